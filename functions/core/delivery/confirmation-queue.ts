import { MailFailure } from '../ports.js';
import { confirmationMessage } from '../subscribers/messages.js';
import { mutateSubscriber } from '../subscribers/mutate.js';
import type { SubscriberDeps } from '../subscribers/deps.js';
import type { DeliveryDeps } from './deps.js';
import { Pacer } from './pacer.js';

const BATCH = 50;

/**
 * Sends the confirmation emails that imports queued, oldest first, paced like a send, until the
 * queue is empty or the deadline is near. Each reader is taken off the queue by a conditional
 * write before the email goes (so two ticks never both send it) and put back if SES refuses.
 */
export async function sendQueuedConfirmations(
  deps: DeliveryDeps & SubscriberDeps,
  options: { deadline?: number } = {},
): Promise<{ sent: number }> {
  const outOfTime = () =>
    options.deadline !== undefined && deps.clock.now().getTime() >= options.deadline - 5_000;
  let pacer: Pacer | undefined;
  let sent = 0;
  for (;;) {
    const queued = await deps.subscribers.listQueuedConfirmations(BATCH);
    if (queued.length === 0 || outOfTime()) return { sent };
    if (!pacer) {
      const quota = await deps.quota.get();
      const { rateFraction, workers, fixedRate } = deps.pacing;
      pacer = new Pacer(
        fixedRate !== undefined
          ? fixedRate / workers
          : (quota.maxSendRate * rateFraction) / workers,
        deps.monotonic,
        deps.sleep,
      );
    }
    let progressed = false;
    for (const reader of queued) {
      if (outOfTime()) return { sent };
      const now = deps.clock.now().toISOString();
      const taken = await mutateSubscriber(deps.subscribers, reader.id, (current) =>
        current.state === 'pending' && current.confirmationQueuedAt
          ? {
              ...current,
              confirmationQueuedAt: undefined,
              confirmationSentAt: now,
              confirmationWindowStart: now,
              confirmationsInWindow: 1,
              updatedAt: now,
            }
          : undefined,
      );
      if (!taken?.changed) continue;
      progressed = true;
      await pacer.take();
      try {
        await deps.mailer.send(confirmationMessage(deps, taken.subscriber, deps.clock.now()));
        sent++;
      } catch (error) {
        if (!(error instanceof MailFailure)) throw error;
        // Back in the queue, at its old place; SES is refusing now, so stop until the next tick.
        await mutateSubscriber(deps.subscribers, reader.id, (current) => ({
          ...current,
          confirmationQueuedAt: reader.confirmationQueuedAt,
        }));
        return { sent };
      }
    }
    if (!progressed) return { sent };
  }
}
