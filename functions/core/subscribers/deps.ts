import type { WebhookStore } from '../webhooks/ports.js';
import type { AbuseDeps } from '../abuse/ports.js';
import type { Clock } from '../clock.js';
import type {
  SignupReads,
  SubscriberRepository,
  SuppressionList,
  TransactionalTemplates,
} from '../ports.js';
import type { Publication } from '../publication.js';
import type { TokenSigner } from '../tokens.js';

export type SubscriberDeps = {
  subscribers: SubscriberRepository;
  suppressions: SuppressionList;
  signupReads: SignupReads;
  templates: TransactionalTemplates;
  signer: TokenSigner;
  clock: Clock;
  publication: Publication;
  /** Rate limits, disposable domains, CAPTCHA; absent in unit tests of other rules, always built by config.ts. */
  abuse?: AbuseDeps;
  /** Where a reader's changes queue their webhook events (core/webhooks/emit.ts); none in unit tests. */
  webhooks?: WebhookStore;
};

/** Who did something, for the consent record. */
export type RequestContext = { ip?: string; userAgent?: string; captchaToken?: string };
