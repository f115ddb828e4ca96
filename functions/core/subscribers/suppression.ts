import * as z from 'zod';
import { DomainError, ErrorCodes } from '../errors.js';
import { normalizeEmail } from '../email-address.js';
import type { SubscriberDeps } from './deps.js';
import { parseInput } from './input.js';
import { mutateSubscriber } from './mutate.js';
import { subscriberIdFor } from './subscriber.js';

/** A normalized address, or the domain's invalid-input error naming the field. */
export function requireEmail(value: unknown, field = 'email'): string {
  const checked = normalizeEmail(typeof value === 'string' ? value : '');
  if (!checked.ok)
    throw new DomainError(ErrorCodes.invalidInput, `The address ${checked.reason}.`, {
      issues: [{ field, message: checked.reason }],
    });
  return checked.email;
}

const editorRequest = z.object({
  email: z.string({ message: 'is required' }),
  reason: z.string({ message: 'is required' }).trim().min(1, 'is required: say why').max(200),
});

/** An editor's request about an address (suppress it, or mail it again): the address, and why. */
export function editorAddressRequest(input: unknown) {
  const { email, reason } = parseInput(editorRequest, input);
  return { email: requireEmail(email), reason };
}

/**
 * An editor suppresses an address: it is never mailed again, and a reader who had it is
 * unsubscribed too, so the workspace shows what is true.
 */
export async function suppressAddress(
  deps: Pick<SubscriberDeps, 'subscribers' | 'suppressions' | 'clock'>,
  input: unknown,
) {
  const { email, reason } = editorAddressRequest(input);
  const now = deps.clock.now();
  await deps.suppressions.suppress(email, 'manual', now);
  await mutateSubscriber(deps.subscribers, subscriberIdFor(email), (current) =>
    current.state === 'confirmed' || current.state === 'pending'
      ? {
          ...current,
          state: 'unsubscribed',
          unsubscribedAt: now.toISOString(),
          updatedAt: now.toISOString(),
        }
      : undefined,
  );
  return { email, reason };
}

/** An editor allows an address again; the reason is required so the change can be accounted for. */
export async function allowAddress(deps: Pick<SubscriberDeps, 'suppressions'>, input: unknown) {
  const { email, reason } = editorAddressRequest(input);
  await deps.suppressions.remove(email);
  return { email, reason };
}
