import { DomainError, ErrorCodes } from '../errors.js';
import type {
  DeliveryLedger,
  EngagementStore,
  ReaderEngagement,
  SubscriberRepository,
} from '../ports.js';

export type ReaderIssueHistory = ReaderEngagement & { sentAt?: string; messageId?: string };

/**
 * A reader's history, issue by issue, newest first: sent (the ledger), delivered, opened and
 * clicked (SES's events; bots' and scanners' never: docs/engagement.md).
 */
export async function subscriberHistory(
  deps: {
    subscribers: Pick<SubscriberRepository, 'get'>;
    ledger: Pick<DeliveryLedger, 'history'>;
    engagement: EngagementStore;
  },
  id: string,
): Promise<{ subscriberId: string; issues: ReaderIssueHistory[] }> {
  if (!(await deps.subscribers.get(id)))
    throw new DomainError(ErrorCodes.notFound, 'No such subscriber.');
  const [sent, engaged] = await Promise.all([deps.ledger.history(id), deps.engagement.history(id)]);
  const byIssue = new Map<string, ReaderIssueHistory>();
  for (const e of sent)
    byIssue.set(e.issueId, {
      issueId: e.issueId,
      sentAt: e.sentAt,
      messageId: e.messageId,
      opens: 0,
      clicks: [],
    });
  for (const e of engaged) byIssue.set(e.issueId, { ...byIssue.get(e.issueId), ...e });
  const when = (h: ReaderIssueHistory) => h.sentAt ?? h.deliveredAt ?? h.openedAt ?? '';
  return {
    subscriberId: id,
    issues: [...byIssue.values()].sort((a, b) => when(b).localeCompare(when(a))),
  };
}
