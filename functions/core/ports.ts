import type { Frequency, Subscriber } from './subscribers/subscriber.js';

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
  countRecipients(query: Omit<RecipientQuery, 'cursor' | 'limit'>): Promise<number>;
}

export type RecipientQuery = {
  shard: number;
  topics: readonly string[];
  frequencies?: readonly Frequency[];
  cursor?: string;
  limit?: number;
};

export type Page<T> = { items: T[]; cursor?: string };

/** The outcome of one recipient of one issue, written before and after the SES call. */
export type LedgerEntry = {
  issueId: string;
  subscriberId: string;
  status: 'claimed' | 'sent' | 'failed';
  claimedAt: string;
  sentAt?: string;
  messageId?: string;
  failure?: string;
};

/**
 * The per-recipient send ledger: the reason nobody gets an issue twice. `claim` succeeds for
 * exactly one caller per (issue, subscriber), or again after a definite failure.
 */
export interface DeliveryLedger {
  /** Returns 'claimed', or the entry that prevented the claim. */
  claim(issueId: string, subscriberId: string, at: Date): Promise<'claimed' | LedgerEntry>;
  markSent(issueId: string, subscriberId: string, messageId: string, at: Date): Promise<void>;
  /** Records a failure that SES reported, so the message was certainly not accepted. */
  markFailed(issueId: string, subscriberId: string, reason: string, at: Date): Promise<void>;
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
};

export const MailFailureKinds = {
  /** SES asked us to slow down: retry later, never a failure of the recipient. */
  throttled: 'throttled',
  /** SES answered with a server error, so it did not take the message: retry later. */
  transient: 'transient',
  /** SES refused this message (bad address, message rejected): it was not sent. */
  rejected: 'rejected',
  /** Sending is paused for the whole account or the daily quota is used up. */
  accountPaused: 'account_paused',
  /** The request may or may not have been accepted (timeout, connection reset). */
  unknown: 'unknown',
} as const;
export type MailFailureKind = (typeof MailFailureKinds)[keyof typeof MailFailureKinds];

export class MailFailure extends Error {
  override readonly name = 'MailFailure';
  constructor(readonly kind: MailFailureKind, message: string, options?: { cause?: unknown }) {
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

/** Renders issue emails from MJML; called once per issue, never per recipient. */
export interface IssueRenderer {
  renderArticle(article: import('./content/article.js').Article, publication: import('./publication.js').Publication): Promise<CompiledEmail>;
}

/** An issue's send, as far as workers coordinate on it. */
export type IssueRecord = {
  issueId: string;
  articleSlug: string;
  state: 'sending' | 'sent';
  startedAt: string;
  finishedAt?: string;
  leaseOwner?: string;
  leaseUntil?: string;
  summary?: { total: number; sent: number; skipped: number; ambiguous: number; failed: number };
};

/**
 * Issues being sent. A worker holds a time-limited lease while it sends, renewed as it goes; a
 * worker that dies lets its lease run out, and the next tick resumes the issue.
 */
export interface IssueRepository {
  /** Starts (or restarts) the send; creates the record if it is new. */
  begin(issueId: string, articleSlug: string, at: Date): Promise<IssueRecord>;
  /** Takes or renews the lease unless another owner holds an unexpired one. */
  acquireLease(issueId: string, owner: string, now: Date, until: Date): Promise<boolean>;
  finish(issueId: string, owner: string, summary: NonNullable<IssueRecord['summary']>, at: Date): Promise<void>;
  /** Issues still sending, whoever holds them. A Query on the sparse index. */
  listSending(): Promise<IssueRecord[]>;
  get(issueId: string): Promise<IssueRecord | undefined>;
}
