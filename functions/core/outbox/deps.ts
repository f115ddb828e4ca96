import type { Clock } from '../clock.js';
import type { Metrics } from '../metrics.js';
import type { SendBudget } from '../delivery/rate-budget.js';
import type {
  Mailer,
  SubscriberRepository,
  SuppressionList,
  TransactionalTemplates,
} from '../ports.js';
import type { Publication } from '../publication.js';
import type { TokenSigner } from '../tokens.js';
import type { OutboxStore } from './ports.js';
import type { WebhookStore } from '../webhooks/ports.js';

/** What the outbox's sender needs: the records that hold entries, SES, and its share of the rate. */
export type OutboxDeps = {
  outbox: OutboxStore;
  subscribers: SubscriberRepository;
  suppressions: SuppressionList;
  mailer: Mailer;
  /** Slots at the transactional share of the rate (core/delivery/rate-budget.ts). */
  budget: SendBudget;
  templates: TransactionalTemplates;
  signer: TokenSigner;
  clock: Clock;
  publication: Publication;
  /** How long a claim waits for SES's receipt before it is sent again (default RECEIPT_WINDOW_MS). */
  receiptWindowMs?: number;
  /** Where each batch's outcomes are counted (the send pipeline's pages too); none in unit tests. */
  metrics?: Metrics;
  /** Where readers' webhook events left on their records are queued; none in unit tests. */
  webhooks?: WebhookStore;
};
