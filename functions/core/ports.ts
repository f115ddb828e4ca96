/*
 * Every port of the domain in one file, over 300 lines on purpose: it is the list of what the core
 * needs from the world, read as one, and each interface is short.
 */
import type { Article } from './content/article.js';
import type { Publication } from './publication.js';
import type { SendingHold } from './issues/sending-hold.js';
import type {
  DigestFrequency,
  Engagement,
  Issue,
  IssueState,
  ShardProgress,
} from './issues/issue.js';
import type { Activity, Frequency, Subscriber, SubscriberState } from './subscribers/subscriber.js';

/** Subscribers, one item each. Every write is a single-item conditional write. */
export interface SubscriberRepository {
  get(id: string): Promise<Subscriber | undefined>;
  /** Creates the item unless one exists with that id; false when it already existed. */
  create(subscriber: Subscriber): Promise<boolean>;
  /**
   * Writes `next` only if the stored version is still `next.version - 1`; false when another
   * writer got there first (the caller re-reads and decides again).
   */
  save(next: Subscriber): Promise<boolean>;
  /**
   * One page of confirmed subscribers in one shard whose topics overlap `topics`
   * (and whose frequency is listed, when `frequencies` is given). A Query, never a Scan.
   */
  listRecipients(query: RecipientQuery): Promise<Page<Subscriber>>;
  /** Deletes the record for good (erasure on request). */
  delete(id: string): Promise<void>;
  /**
   * The dashboard's counters, kept up to date by every write above but a signup's: a signup leaves
   * its change owed on the record (`countsOwed`), and the record's next write (the outbox's claim
   * of its confirmation) settles it, so a signup makes one write.
   */
  counts(): Promise<Record<string, number>>;
  countRecipients(query: Omit<RecipientQuery, 'cursor' | 'limit'>): Promise<number>;
  /**
   * A signup's write: the same number and size of writes whatever the address's history, so its
   * timing tells nothing. `expected` is the version `next` replaces (0: none stored yet), or
   * 'none' for a write that must not land (a confirmed or suppressed address), which is made all
   * the same and fails its condition. False when it did not land.
   */
  writeSignup(next: Subscriber, expected: number | 'none'): Promise<boolean>;
  /**
   * Keeps the reader's activity on their record (`ActivityAttributes`): an open or click's time
   * when none is kept or the kept one is older than ACTIVITY_GRANULARITY_MS before it, the first
   * send's when none is kept. That attribute only, and not the version: a record that is gone
   * (erased) is not made again. True when it wrote.
   */
  noteActivity(id: string, activity: Activity, at: Date): Promise<boolean>;
}

/**
 * What a signup reads before it decides, in one round trip (DynamoDB: one BatchGetItem): the
 * record as stored (strongly consistent) and whether the address is suppressed.
 */
export interface SignupReads {
  read(id: string, email: string): Promise<{ stored: Subscriber | undefined; suppressed: boolean }>;
}

export type RecipientQuery = {
  /** One of `shards` send shards (8 when absent: one index partition each); see `recipientRange`. */
  shard: number;
  shards?: number;
  topics: readonly string[];
  frequencies?: readonly Frequency[];
  cursor?: string;
  limit?: number;
};

export type Page<T> = { items: T[]; cursor?: string };

/**
 * What SES answered for one accepted message. Until the ledger marks that recipient sent, the
 * worker's next claim carries it: one write per recipient both claims the next one and makes the
 * previous send durable (see DeliveryLedger).
 */
export type SendReceipt = { subscriberId: string; messageId: string; sentAt: string };

/** The outcome of one recipient of one delivery key, written before and after the SES call. */
export type LedgerEntry = {
  deliveryKey: string;
  subscriberId: string;
  /** The issue whose worker made the claim. */
  issueId: string;
  status: 'claimed' | 'sent' | 'failed';
  claimedAt: string;
  sentAt?: string;
  messageId?: string;
  failure?: string;
  /** The send this worker made just before this claim: proof that it reached SES. */
  previousSent?: SendReceipt;
  /** Unique to the claim that wrote the entry: a retried write recognises its own claim by it. */
  attempt?: string;
  /** Marked sent by an editor (SES's answer had proved nothing): who, and why. */
  resolvedBy?: string;
  resolvedReason?: string;
};

/** What `resolveClaim` writes: the editor's decision, who made it, when and why. */
export type ClaimDecision = {
  resolution: 'delivered' | 'release';
  by: string;
  at: Date;
  reason: string;
};

/** A claimed entry to be marked sent. */
export type SentEntry = SendReceipt & {
  issueId: string;
  claimedAt: string;
  previousSent?: SendReceipt;
};

/**
 * The per-recipient send ledger: the reason nobody gets an issue twice. `claim` succeeds for
 * exactly one caller per (delivery key, subscriber), or again after a definite failure.
 *
 * A worker claims a recipient, sends, and only then claims the next one, carrying the receipt of
 * the send before: a worker killed at any moment leaves one recipient whose fate is unknown (the
 * one in flight), while every earlier claim is either marked or proven by its successor's
 * receipt. Marks are written in batches, a page at a time.
 */
export interface DeliveryLedger {
  /**
   * Returns 'claimed', or the entry that prevented the claim. An entry written by this same
   * `attempt` (the write was applied and its answer lost, then retried) is this claim: 'claimed'.
   */
  claim(
    deliveryKey: string,
    subscriberId: string,
    issueId: string,
    at: Date,
    previousSent?: SendReceipt,
    attempt?: string,
  ): Promise<'claimed' | LedgerEntry>;
  /** Marks claimed entries sent (a page's worth at once). */
  markSent(deliveryKey: string, sent: SentEntry[]): Promise<void>;
  /**
   * After a crash: the receipt of this subscriber's send, carried by a later claim of the worker
   * that sent it. That claim is one of the entries after the subscriber's own in id order (a
   * worker takes a shard's readers in that order); only a claim carries the receipt of the send
   * just before it.
   */
  findReceipt(deliveryKey: string, subscriberId: string): Promise<SendReceipt | undefined>;
  /** Records a failure that SES reported, so the message was certainly not accepted. */
  markFailed(deliveryKey: string, subscriberId: string, reason: string, at: Date): Promise<void>;
  /** Gives a claim back when the message was certainly never handed to SES. */
  release(deliveryKey: string, subscriberId: string): Promise<void>;
  /** One reader's entry for a delivery key, read consistently. */
  entry(deliveryKey: string, subscriberId: string): Promise<LedgerEntry | undefined>;
  /**
   * An editor's decision on a claim whose send proved nothing, made only while the entry is still
   * that claim (status claimed, the same attempt): 'delivered' marks it sent (it joins the
   * reader's history), 'release' deletes it so the reader can be claimed again. False when the
   * entry is no longer that claim.
   */
  resolveClaim(
    deliveryKey: string,
    subscriberId: string,
    attempt: string | undefined,
    decision: ClaimDecision,
  ): Promise<boolean>;
  /**
   * Of these subscribers, those who have this delivery key already: sent, or claimed (a send in
   * flight or of unknown outcome, which must not be repeated). Batched reads, never one per reader.
   */
  receivedAmong(deliveryKey: string, subscriberIds: readonly string[]): Promise<Set<string>>;
  /** What one reader was sent, newest first (the editors' view of a subscriber, access requests). */
  history(subscriberId: string, limit?: number): Promise<LedgerEntry[]>;
}

/** A message ready to be turned into MIME; the mailer owns the wire format. */
export type OutgoingMessage = {
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Extra headers (List-Unsubscribe, List-Id, …); values must already be single-line. */
  headers?: Record<string, string>;
  /** Tags for SES events (issue id, kind); keys and values [A-Za-z0-9_-]. */
  tags?: Record<string, string>;
  /** `html` and `text` split at their per-reader values, so a mailer can encode the rest once. */
  spliced?: { html: SplicedBody; text: SplicedBody };
};

/**
 * A body as `fixed[0] + values[0] + fixed[1] + …`. `fixed` is one array shared by every reader of
 * an edition: what is worked out from it can be kept for the next reader.
 */
export type SplicedBody = { fixed: readonly string[]; values: readonly string[] };

export const MailFailureKinds = {
  /** SES asked us to slow down: retry later, never a failure of the recipient. */
  throttled: 'throttled',
  /** The request never reached SES (connection refused, connect timeout): retry later. */
  transient: 'transient',
  /** SES refused this message (bad address, message rejected): it was not sent. */
  rejected: 'rejected',
  /**
   * SES refuses every message until an operator acts (account or configuration set paused,
   * MAIL FROM domain unverified, credentials refused): release the claim and pause the issue.
   */
  accountPaused: 'account_paused',
  /** The account's 24-hour quota is used up: wait for room. */
  quotaExceeded: 'quota_exceeded',
  /** The request may or may not have been accepted (a 5xx, a timeout, a reset): never resent. */
  unknown: 'unknown',
} as const;
export type MailFailureKind = (typeof MailFailureKinds)[keyof typeof MailFailureKinds];

export class MailFailure extends Error {
  override readonly name = 'MailFailure';
  constructor(
    readonly kind: MailFailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Sends one message; resolves with the provider's message id or rejects with a `MailFailure`. */
export interface Mailer {
  send(message: OutgoingMessage): Promise<{ messageId: string }>;
}

/**
 * An email compiled once (MJML -> HTML, HTML -> text) with `%%name%%` placeholders left for the
 * per-recipient values. See `email/personalize.ts`.
 */
export type CompiledEmail = { html: string; text: string };

/** Transactional emails, compiled ahead of time so the API carries no MJML. */
export interface TransactionalTemplates {
  confirmation: CompiledEmail;
  welcome: CompiledEmail;
}

/** Issues, their shards' progress and their engagement counters. */
export interface IssueRepository {
  /** Creates the issue unless one with its id exists; false when it did. */
  create(issue: Issue): Promise<boolean>;
  get(id: string): Promise<Issue | undefined>;
  /** Writes `next` only over version `next.version - 1`: every state transition is conditional. */
  save(next: Issue): Promise<boolean>;
  /**
   * The latest digest of a frequency whose period sorts before `period` (daily periods are dates,
   * weekly ones ISO weeks): its cutoff is where the next digest's articles start. One Query.
   */
  latestDigest(frequency: DigestFrequency, period: string): Promise<Issue | undefined>;
  /** Issues in a state, oldest first. A Query on the index, never a Scan. */
  listByState(state: IssueState, limit?: number): Promise<Issue[]>;
  shards(issueId: string): Promise<ShardProgress[]>;
  /**
   * Takes (or renews) a shard's lease unless it is done or another owner's lease is unexpired.
   * Returns the shard's progress, or undefined.
   */
  claimShard(
    issueId: string,
    shard: number,
    owner: string,
    now: Date,
    until: Date,
  ): Promise<ShardProgress | undefined>;
  /** Saves progress while still holding the lease; false when the lease was lost. */
  saveShard(progress: ShardProgress, owner: string): Promise<boolean>;
  addEngagement(issueId: string, change: Partial<Engagement>): Promise<void>;
  engagement(issueId: string): Promise<Engagement>;
  /** The sending hold (core/issues/sending-hold.ts), read strongly consistent; undefined when clear. */
  sendingHold(): Promise<SendingHold | undefined>;
  /** Sets the hold unless one is set (the first alarm's stays); false when one was. */
  holdSending(hold: SendingHold): Promise<boolean>;
  /** Clears the hold; answers the one cleared, undefined when none was set. */
  clearSendingHold(): Promise<SendingHold | undefined>;
  /**
   * The articles an issue sends, as they were when its first render read them (the worker's
   * `editionsFor`): every reader of one issue gets that text, whatever is corrected meanwhile.
   */
  snapshot(issueId: string): Promise<Article[]>;
  /** Keeps an article in the issue's snapshot unless one of its slug is there; false when it was. */
  keepInSnapshot(issueId: string, article: Article): Promise<boolean>;
}

/**
 * What names a reader besides their own record: ledger entries (theirs, and the receipts other
 * entries carry of their sends), issues' lists of ambiguous, failed and settled readers and
 * editors' decisions on them, shard cursors, audit entries about them, idempotency records of
 * requests about them, their engagement (opens, clicks) with each issue. `erase` deletes or anonymises all of it in the issues given; run again, it
 * finds nothing more to do.
 */
export interface ReaderTrail {
  erase(subscriberId: string, issues: readonly Issue[]): Promise<ErasedTrail>;
}
/** What an erasure changed, for its log line (counts only: the reader is gone). */
export type ErasedTrail = {
  ledgerEntries: number;
  receiptsLanded: number;
  receiptsRemoved: number;
  issues: number;
  shards: number;
  auditEntries: number;
  idempotencyRecords: number;
  /** The reader's history of issues received, opened, clicked (EngagementStore). */
  engagementRecords: number;
};

/** Addresses that must never be mailed again (hard bounces, complaints, erasure requests). */
export interface SuppressionList {
  suppress(email: string, reason: SuppressionReason, at: Date): Promise<void>;
  isSuppressed(email: string): Promise<boolean>;
  /** Of these addresses, the suppressed ones: one batched read per page of recipients. */
  suppressedAmong(emails: readonly string[]): Promise<Set<string>>;
  remove(email: string): Promise<void>;
}
export type SuppressionReason = 'bounce' | 'complaint' | 'manual' | 'erased';
export type SuppressionEntry = {
  key: string;
  email?: string;
  reason: SuppressionReason;
  at: string;
};

/**
 * The editors' listings: subscribers by state, topic, frequency and address (an index), every
 * subscriber for the CSV export and the suppression list (full reads). They live apart from the
 * repositories the public API and the send pipeline use, which never Scan.
 */
export interface Directory {
  /** Every subscriber, a page at a time, in no order: what the CSV export reads (a Scan). */
  subscribers(cursor?: string, limit?: number): Promise<Page<Subscriber>>;
  /**
   * Subscribers in address order, filtered, a page at a time, from an index (never a Scan): a
   * page holds `limit` matches unless the list ends (or, rarely, the read budget for one request
   * ran out: then it is short and has a cursor). A cursor it did not give out is a 422 on `cursor`.
   */
  list(query: SubscriberListQuery): Promise<Page<Subscriber>>;
  suppressions(): Promise<SuppressionEntry[]>;
}

export type SubscriberListQuery = {
  state?: SubscriberState;
  topic?: string;
  frequency?: Frequency;
  /** The start of the (normalised, lower-case) address. */
  prefix?: string;
  /**
   * Text anywhere in the address ("example.org", "petar"), any case. A filter, not a key range:
   * it reads the list in address order within the request's budget, like topic and frequency.
   */
  contains?: string;
  cursor?: string;
  limit?: number;
};

/** Sending limits, as SES reports them (`GetSendQuota`). */
export type SendQuota = { maxSendRate: number; max24HourSend: number; sentLast24Hours: number };
export interface QuotaSource {
  get(): Promise<SendQuota>;
}

/**
 * Remembers which events were handled, so a redelivered event changes nothing, and which are
 * being handled, so a failed attempt is taken over instead of being mistaken for a duplicate.
 */
export interface EventLog {
  /**
   * Starts handling `key` as `attempt`: 'go' the first time, again for the same attempt (the
   * SDK retrying a write whose answer was lost) and for an attempt that began before `staleBefore`
   * without finishing (it failed); 'done' once an attempt finished; 'busy' while another attempt
   * that began since `staleBefore` may still be running.
   */
  begin(key: string, attempt: string, at: Date, staleBefore: Date): Promise<EventStart>;
  /** Every effect of the attempt is applied: the key is done for good. */
  finish(key: string, attempt: string): Promise<void>;
  /** The attempt failed: the next one may start at once instead of waiting for it to go stale. */
  abandon(key: string, attempt: string): Promise<void>;
}

export type EventStart = 'go' | 'done' | 'busy';

/**
 * An article the tick saw go live (beyond the baseline), and when. `approval` is absent for one
 * mailed to "every article" readers by itself (`sendWhenPublished: true`, or published before
 * approvals existed); otherwise its own issue waits for an editor, who approves or dismisses it.
 */
export type PublishedArticle = {
  slug: string;
  publishedAt: string;
  approval?: ArticleApproval;
  /** The editor (their key's name) who decided, and when: set with `approved` or `dismissed`. */
  decidedBy?: string;
  decidedAt?: string;
};
export type ArticleApproval = 'waiting' | 'approved' | 'dismissed';

/** Which articles have been published, and which wait for an editor before they are mailed. */
export interface PublicationLog {
  /**
   * The articles that existed when the service first ran: they count as published already, so
   * a first start does not mail the whole archive. Created once; later calls return the first.
   */
  baseline(slugs: readonly string[], at: Date): Promise<string[]>;
  /**
   * True for the one caller that records the slug first; with `waiting`, recorded as waiting for
   * approval (its issue is not created until an editor approves).
   */
  markPublished(slug: string, at: Date, options?: { waiting?: boolean }): Promise<boolean>;
  /** Published articles (beyond the baseline), when, and where their approval stands. */
  published(): Promise<PublishedArticle[]>;
  /** One published article's record, read consistently. */
  publishedArticle(slug: string): Promise<PublishedArticle | undefined>;
  /**
   * An editor's decision on an article waiting for approval, written only while it still waits:
   * true for the one caller whose decision lands, false when it was decided already (or never
   * waited). Two editors approving at once: one decision, recorded with its editor.
   */
  decide(
    slug: string,
    decision: Exclude<ArticleApproval, 'waiting'>,
    by: string,
    at: Date,
  ): Promise<boolean>;
  /** The cutoff of the last digest of a frequency, and a conditional move forward. */
  digestCutoff(frequency: string): Promise<string | undefined>;
  advanceDigestCutoff(frequency: string, to: string): Promise<void>;
}

/** Renders an issue's email from MJML; called once per issue (per worker), never per recipient. */
export interface IssueRenderer {
  render(
    issue: Issue,
    articles: readonly Article[],
    publication: Publication,
  ): Promise<CompiledEmail>;
}

/** A part of a multipart upload, as `uploadPart` answered it. */
export type BlobPart = { partNumber: number; etag: string };

/**
 * Files: S3 on AWS; s3rver (an S3 emulator from npm) locally, through the same S3 adapter.
 * Keys are `exports/<jobId>.csv`, `imports/<jobId>.csv`, and later images. Multipart follows
 * S3's rules: parts 1..10,000, every part but the last at least 5 MiB (the adapter refuses a
 * smaller non-last part with a named error, since s3rver does not enforce it).
 */
export interface BlobStore {
  put(key: string, body: Uint8Array | string, contentType: string): Promise<void>;
  /** Bytes [start, end) of the object; fewer at its end. */
  readRange(key: string, start: number, end: number): Promise<Uint8Array>;
  /** Its size in bytes, or undefined when there is no such object. */
  size(key: string): Promise<number | undefined>;
  delete(key: string): Promise<void>;
  startUpload(key: string, contentType: string): Promise<string /* uploadId */>;
  /** Uploading the same part number again replaces it (a resumed job re-sends its last part). */
  uploadPart(
    key: string,
    uploadId: string,
    partNumber: number,
    body: Uint8Array,
  ): Promise<BlobPart>;
  completeUpload(key: string, uploadId: string, parts: readonly BlobPart[]): Promise<void>;
  abortUpload(key: string, uploadId: string): Promise<void>;
  /** A presigned GET that expires; `filename` sets Content-Disposition: attachment. */
  downloadUrl(
    key: string,
    options: { filename: string; expiresInSeconds: number },
  ): Promise<string>;
  /** A presigned PUT that expires, for a browser or CLI to upload a large file directly. */
  uploadUrl(
    key: string,
    options: { contentType: string; expiresInSeconds: number },
  ): Promise<string>;
}

/**
 * One whole blob read back, for the public site (images): the serving function is granted
 * s3:GetObject alone, so it gets this, not the BlobStore. Undefined when there is no such key.
 */
export interface BlobReader {
  read(key: string): Promise<Uint8Array | undefined>;
}

/** One link of an issue: readers' clicks, the readers who clicked it, and bots' clicks apart. */
export type LinkEngagement = {
  link: string;
  clicks: number;
  uniqueClickers: number;
  botClicks: number;
};
/** What one reader did with one issue: received, opened (first and count), clicked (each click). */
export type ReaderEngagement = {
  issueId: string;
  deliveredAt?: string;
  openedAt?: string;
  opens: number;
  clicks: { link: string; at: string }[];
};
/**
 * Engagement by link and by reader (docs/engagement.md). A reader's items are found by their id
 * (erasure deletes them); the per-link counters are spread over parts like the issue's.
 */
export type ReaderMarks = { deliveredAt?: Date; hiddenLinkAt?: Date };

export interface EngagementStore {
  /** The reader received the issue: the first line of their history, and the scanner rule's anchor. */
  delivered(issueId: string, subscriberId: string, at: Date): Promise<void>;
  /**
   * What the bot rules read of the reader's copy: when it was delivered (if its Delivery event
   * came first), and when something first followed its hidden link (events/engagement.ts).
   */
  marks(issueId: string, subscriberId: string): Promise<ReaderMarks>;
  /** Something followed the copy's hidden link: a scanner, since no reader can see it. */
  hiddenLinkFollowed(issueId: string, subscriberId: string, at: Date): Promise<void>;
  /** A reader's open; true when it is their first of this issue. */
  opened(issueId: string, subscriberId: string, at: Date): Promise<boolean>;
  /** A reader's click; whether it is their first of this issue, and of this link. */
  clicked(
    issueId: string,
    subscriberId: string,
    link: string,
    at: Date,
  ): Promise<{ firstOfIssue: boolean; firstOfLink: boolean }>;
  addLinkClicks(
    issueId: string,
    link: string,
    change: Partial<Omit<LinkEngagement, 'link'>>,
  ): Promise<void>;
  links(issueId: string): Promise<LinkEngagement[]>;
  /** The reader's issues, newest first. */
  history(subscriberId: string, limit?: number): Promise<ReaderEngagement[]>;
}
