import type { AbTest } from './ab-test.js';
import type { IssueSegment } from '../segments/segment.js';
import { RECIPIENT_SHARDS, type Frequency } from '../subscribers/subscriber.js';

export const IssueStates = {
  draft: 'draft',
  scheduled: 'scheduled',
  sending: 'sending',
  /** An A/B issue's sample is sent; the rest wait for the winner (ab-test.ts). */
  testing: 'testing',
  paused: 'paused',
  sent: 'sent',
  cancelled: 'cancelled',
} as const;
export type IssueState = (typeof IssueStates)[keyof typeof IssueStates];

export type DigestFrequency = Extract<Frequency, 'daily' | 'weekly'>;

/** What an issue sends: one article, or a digest of the articles published in a period. */
export type IssueContent =
  | { kind: 'article'; slug: string }
  | {
      kind: 'digest';
      frequency: DigestFrequency;
      period: string;
      slugs: string[];
      /**
       * The end of the articles' window (the firing's time): where the next digest starts. It is
       * part of the digest itself, so creating the digest and moving the cutoff are one write.
       * Absent on digests made before it was kept here.
       */
      cutoff?: string;
    };

/** Who receives it: confirmed subscribers with at least one of the topics and one of the frequencies. */
export type Audience = { topics: string[]; frequencies: Frequency[] };

/**
 * Why an issue is paused. Only `daily_quota` resumes by itself (the tick, after `resumeAfter`);
 * the others wait for an editor. `reputation_alarm`: SES's bounce or complaint rate crossed the
 * deployment's alarm (core/issues/reputation-pause.ts).
 */
export type PauseReason = 'editor' | 'daily_quota' | 'account_paused' | 'reputation_alarm';

export type Issue = {
  id: string;
  content: IssueContent;
  subject: string;
  editorNote?: string;
  audience: Audience;
  /**
   * The segment it targets, if any: a copy of its rules taken when the issue was made, so the
   * send filters each page of the audience by exactly what the editor previewed, whatever
   * happens to the saved segment later (docs/sending.md, "Segments").
   */
  segment?: IssueSegment;
  /** Subjects tested on a sample before the rest are sent the winner (ab-test.ts); absent: one subject. */
  abTest?: AbTest;
  state: IssueState;
  /**
   * The ledger's key. Every issue that sends one article shares `article:<slug>`, so a reader who
   * got the article from the editor's send is not sent it again when it is published to
   * "every article" readers, and the other way round. A digest is its own key.
   */
  deliveryKey: string;
  scheduledAt?: string;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  finishedAt?: string;
  pause?: { reason: PauseReason; at: string; resumeAfter?: string; message?: string };
  /**
   * Recipients. A send starts with an estimate from the dashboard counters (`totalEstimated`):
   * counting the audience itself would take the request as long as the list is big. Each shard's
   * worker counts its own shard (`ShardProgress.total`) and `audienceTotal` sums them once all are
   * known; finishing writes that exact figure here. Issues started before counted it whole, exact.
   * The audience may change while it runs.
   */
  total?: number;
  /** `total` is the counters' estimate, not yet the workers' count. */
  totalEstimated?: boolean;
  /**
   * How many shards its recipients are split into, fixed when it starts sending. Absent on
   * issues started before sends were split finer: those keep the 8 their progress was saved in.
   */
  shards?: number;
  /** Editors' decisions on ambiguous readers, oldest first (few: one per fault that proved nothing). */
  resolutions?: AmbiguousResolution[];
  /** Editors' edits of the draft, oldest first (append-only; see edit-issue.ts). */
  history?: IssueEdit[];
  version: number;
};

/** What an editor may change of an issue until it starts sending. */
export type EditableField = 'article' | 'subject' | 'editorNote' | 'topics' | 'frequencies';
export type FieldValue = string | string[] | undefined;

/** One edit: who (the API key's name), when, and each field it changed from what to what. */
export type IssueEdit = {
  by: string;
  at: string;
  changes: { field: EditableField; from: FieldValue; to: FieldValue }[];
};

export const Resolutions = { delivered: 'delivered', release: 'release' } as const;
export type Resolution = (typeof Resolutions)[keyof typeof Resolutions];

/**
 * An editor's decision on a reader whose send proved nothing: SES did take it ('delivered', from
 * its logs or the reader's inbox), or it is to be sent again ('release'). A release is settled by
 * the worker that sends it, which records what that send did in `resent`.
 */
export type AmbiguousResolution = {
  subscriberId: string;
  resolution: Resolution;
  reason: string;
  /** The editor (the API key's name). */
  by: string;
  at: string;
  /** The ambiguous claim decided on: a worker that finds it still there gives it back itself. */
  attempt?: string;
  resent?: { outcome: keyof Counts; at: string; detail?: string };
};

/** What happened to the recipients of one shard so far; summed over shards, the issue's progress. */
export type Counts = {
  sent: number;
  skipped: number;
  failed: number;
  suppressed: number;
  ambiguous: number;
};
export const zeroCounts = (): Counts => ({
  sent: 0,
  skipped: 0,
  failed: 0,
  suppressed: 0,
  ambiguous: 0,
});
export const addCounts = (a: Counts, b: Counts): Counts => ({
  sent: a.sent + b.sent,
  skipped: a.skipped + b.skipped,
  failed: a.failed + b.failed,
  suppressed: a.suppressed + b.suppressed,
  ambiguous: a.ambiguous + b.ambiguous,
});
export const processedOf = (c: Counts) =>
  c.sent + c.skipped + c.failed + c.suppressed + c.ambiguous;

/** The issue's send shards, `0 .. shardsOf(issue) - 1`: what a fleet fans out over. */
export const shardsOf = (issue: Pick<Issue, 'shards'>) => issue.shards ?? RECIPIENT_SHARDS;

/** One shard of one issue's recipients: who works on it, how far it got. */
export type ShardProgress = {
  issueId: string;
  shard: number;
  done: boolean;
  /** Where the next page starts; absent before the first page. */
  cursor?: string;
  /**
   * The shard's recipients, counted by the worker that first took it (before its first page, off
   * any editor's request) and saved with that page. Absent until then.
   */
  total?: number;
  leaseOwner?: string;
  leaseUntil?: string;
  counts: Counts;
  /** Recipients whose send outcome is unknown, listed in the report. Never resent. */
  ambiguous: string[];
  /** Why some of them are ambiguous, when the worker knew (SES's answer), by subscriber. */
  ambiguousWhy?: Record<string, string>;
  failures: { subscriberId: string; reason: string }[];
  /** Why recipients were skipped on purpose (a digest's reader with nothing new), by reason. */
  skips?: Record<string, number>;
  /**
   * Recipients of the page at `cursor` already settled and counted: the page was left mid-way
   * (pause, cancel, deadline), its counts saved, and the redo skips them.
   */
  settled?: string[];
  /** An A/B issue's sample shard: its readers sent, by variant (what the winner's rule divides by). */
  variantSent?: Record<string, number>;
};

/**
 * An issue's recipients as best known: exact once every shard has counted its own (or for an
 * issue counted whole when it started), else the counters' estimate, raised to what the shards
 * counted so far (a lower bound). `total` is absent before the send starts.
 */
export function audienceTotal(
  issue: Pick<Issue, 'total' | 'totalEstimated' | 'shards'>,
  shards: ShardProgress[],
): { total?: number; exact: boolean } {
  if (issue.total !== undefined && !issue.totalEstimated)
    return { total: issue.total, exact: true };
  const counted = new Map<number, number>();
  for (const s of shards)
    if (s.total !== undefined && s.shard < shardsOf(issue)) counted.set(s.shard, s.total);
  const sum = [...counted.values()].reduce((a, b) => a + b, 0);
  if (counted.size === shardsOf(issue)) return { total: sum, exact: true };
  if (issue.total === undefined) return { exact: false };
  return { total: Math.max(issue.total, sum), exact: false };
}

/** The recipients as an editor reads them: "about N (estimate)" until the workers counted them. */
export const totalLabel = (issue: Pick<Issue, 'total' | 'totalEstimated'>) =>
  issue.total === undefined
    ? undefined
    : issue.totalEstimated
      ? `about ${issue.total} (estimate)`
      : String(issue.total);

export function addSkips(
  a: Record<string, number> = {},
  b: Record<string, number> = {},
): Record<string, number> {
  const sum = { ...a };
  for (const [reason, n] of Object.entries(b)) sum[reason] = (sum[reason] ?? 0) + n;
  return sum;
}

/**
 * What SES events tell about an issue after it left. `opened` and `clicked` are readers' (every
 * open and click); `uniqueOpened`/`uniqueClicked` the readers who did at least once; bots' and
 * scanners' opens and clicks (docs/engagement.md, "Bots and scanners") are counted apart.
 */
export type Engagement = {
  delivered: number;
  bounced: number;
  complained: number;
  opened: number;
  clicked: number;
  uniqueOpened: number;
  uniqueClicked: number;
  botOpened: number;
  botClicked: number;
};

export const noEngagement = (): Engagement => ({
  delivered: 0,
  bounced: 0,
  complained: 0,
  opened: 0,
  clicked: 0,
  uniqueOpened: 0,
  uniqueClicked: 0,
  botOpened: 0,
  botClicked: 0,
});
