import { randomBytes } from 'node:crypto';
import type { FieldDefinition } from '../subscribers/fields.js';
import * as z from 'zod';
import { DomainError, ErrorCodes } from '../errors.js';
import { parseInput } from '../subscribers/input.js';
import { assertReaches, everyone, segmentForIssue } from '../segments/manage.js';
import { Frequencies, SEND_SHARDS } from '../subscribers/subscriber.js';
import { abReport, type AbReport } from './ab-report.js';
import { abTestOf, abTestSchema, phaseShards } from './ab-test.js';
import { subjectSchema } from './subject-schema.js';
import type { IssueDeps } from './deps.js';
import { heldPause, type SendingHold } from './sending-hold.js';
import { currentAmbiguous, pendingReleases, resolvedCounts } from './resolutions.js';
import {
  addCounts,
  addSkips,
  audienceTotal,
  processedOf,
  shardsOf,
  zeroCounts,
  type AmbiguousResolution,
  type Audience,
  type Counts,
  type Engagement,
  type Issue,
  type IssueState,
  type PauseReason,
} from './issue.js';

const allFrequencies = Object.values(Frequencies);

/**
 * The issue state machine. Every move is a conditional write on the version read, so of two
 * callers (an editor and a schedule, two schedule firings, two "send now" clicks) exactly one
 * makes it; the other sees the state it left and is told so.
 */
const transitions = {
  schedule: { from: ['draft', 'scheduled'], to: 'scheduled' },
  sendNow: { from: ['draft', 'scheduled'], to: 'sending' },
  startDue: { from: ['scheduled'], to: 'sending' },
  pause: { from: ['scheduled', 'sending'], to: 'paused' },
  resume: { from: ['paused'], to: 'sending' },
  cancel: { from: ['draft', 'scheduled', 'sending', 'testing', 'paused'], to: 'cancelled' },
  finish: { from: ['sending'], to: 'sent' },
  /** An A/B issue's sample is sent: it waits for the winner (ab-test.ts). */
  sampleDone: { from: ['sending'], to: 'testing' },
  /** The winner is chosen: the rest are sent it. */
  sendRest: { from: ['testing'], to: 'sending' },
} as const satisfies Record<string, { from: readonly IssueState[]; to: IssueState }>;
export type IssueAction = keyof typeof transitions;

/**
 * `held`: the move was to start sending, and the sending hold was set (sending-hold.ts), so the
 * issue was left paused with the hold's reason instead.
 */
export type TransitionResult = { issue: Issue; changed: boolean; held?: SendingHold };

export async function transitionIssue(
  deps: Pick<IssueDeps, 'issues' | 'clock' | 'subscribers'>,
  id: string,
  action: IssueAction,
  patch: (issue: Issue) => Partial<Issue> = () => ({}),
): Promise<TransitionResult> {
  const rule = transitions[action];
  assertPossibleIssueId(id);
  // One strongly consistent read more per start, none for other moves.
  const hold = rule.to === 'sending' ? await deps.issues.sendingHold() : undefined;
  for (let attempt = 0; attempt < 8; attempt++) {
    const current = await deps.issues.get(id);
    if (!current) throw new DomainError(ErrorCodes.notFound, `No issue ${id}.`);
    // Asking for the state it is already in is not an error: a double click, a retried request.
    if (current.state === rule.to && action !== 'schedule')
      return { issue: current, changed: false };
    if (action === 'finish' && pendingReleases(current).length > 0)
      throw new DomainError(ErrorCodes.conflict, `Issue ${id} has released readers to send.`);
    if (!(rule.from as readonly IssueState[]).includes(current.state)) {
      throw new DomainError(
        ErrorCodes.conflict,
        `Issue ${id} is ${current.state}; it cannot ${describe(action)}.`,
      );
    }
    if (hold) {
      const held = await holdInstead(deps, current, hold);
      if (held) return held;
      continue;
    }
    const now = deps.clock.now().toISOString();
    const next: Issue = {
      ...current,
      ...patch(current),
      state: rule.to,
      updatedAt: now,
      version: current.version + 1,
    };
    if (rule.to === 'sending') {
      // Split as finely as this code knows how, unless it started before: then its shards'
      // progress (8 of them) is already saved.
      if (!current.startedAt) next.shards ??= SEND_SHARDS;
      next.startedAt ??= now;
      next.pause = undefined;
      // One read of the counters, whatever the list's size: the workers count the audience
      // exactly, shard by shard, off this request (see `audienceTotal`).
      // Not for a segment: the counters know topics and frequencies only, and would show the
      // whole audience for a segment of fifty until every shard is counted.
      if (next.total === undefined && !current.segment) {
        next.total = await estimateAudience(deps, current.audience);
        next.totalEstimated = true;
      }
    }
    if (rule.to === 'sent' || rule.to === 'cancelled') next.finishedAt = now;
    if (await deps.issues.save(next)) return { issue: next, changed: true };
  }
  throw new DomainError(ErrorCodes.conflict, `Issue ${id} is changing too fast; try again.`);
}

/**
 * A start while sending is held: the issue is paused with the hold's reason (or left paused, if it
 * already says so), never started. Undefined when another writer won the race: read again.
 */
async function holdInstead(
  deps: Pick<IssueDeps, 'issues' | 'clock'>,
  current: Issue,
  hold: SendingHold,
): Promise<TransitionResult | undefined> {
  const pause = heldPause(hold, deps.clock.now());
  if (current.state === 'paused' && current.pause?.message === pause.message)
    return { issue: current, changed: false, held: hold };
  const next: Issue = {
    ...current,
    state: 'paused',
    pause,
    updatedAt: pause.at,
    version: current.version + 1,
  };
  return (await deps.issues.save(next)) ? { issue: next, changed: true, held: hold } : undefined;
}

const describe = (action: IssueAction) =>
  ({
    schedule: 'be scheduled',
    sendNow: 'be sent now',
    startDue: 'start',
    pause: 'be paused',
    resume: 'be resumed',
    cancel: 'be cancelled',
    finish: 'finish',
    sampleDone: 'wait for its winner',
    sendRest: 'send the winner to the rest',
  })[action];

/**
 * About how many confirmed readers an audience has, from the dashboard counters (one GetItem):
 * readers of its topics (capped at all confirmed readers: one may follow several) times the share
 * of confirmed readers on its frequencies. Exact when the audience is every topic or one topic and
 * every frequency; an estimate otherwise, shown as one until the workers' count replaces it.
 */
export async function estimateAudience(
  deps: Pick<IssueDeps, 'subscribers'>,
  audience: Audience,
): Promise<number> {
  const counts = await deps.subscribers.counts();
  const count = (key: string) => Math.max(0, counts[key] ?? 0);
  const confirmed = count('state:confirmed');
  if (confirmed === 0) return 0;
  const sum = (keys: string[]) =>
    Math.min(
      confirmed,
      keys.reduce((n, k) => n + count(k), 0),
    );
  const byTopic = sum(audience.topics.map((t) => `topic:${t}`));
  const byFrequency = sum(audience.frequencies.map((f) => `frequency:${f}`));
  if (byTopic === 0 || byFrequency === 0) return 0;
  // Readers on both sides may be the same ones: never "about 0" when there may be some.
  return Math.max(1, Math.round((byTopic * byFrequency) / confirmed));
}

/** What an editor sends to create an issue; the admin API's OpenAPI document is built from it. */
export const createIssueSchema = (topics: string[], fields: readonly FieldDefinition[] = []) =>
  z.object({
    article: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'must be an article slug'),
    subject: subjectSchema(fields).optional(),
    editorNote: z.string().trim().max(5000).optional(),
    topics: z
      .array(
        z.string().refine((t) => topics.includes(t), {
          message: `must only name known topics (${topics.join(', ')})`,
        }),
      )
      .min(1)
      .optional(),
    frequencies: z
      .array(z.enum(allFrequencies as [(typeof allFrequencies)[number], ...typeof allFrequencies]))
      .min(1)
      .optional(),
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,80}$/, 'must be lower-case letters, digits and dashes')
      .optional(),
    segment: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe(
        "A saved segment's id: only its readers of the audience are sent the issue (without topics, the audience is every topic and frequency). Refused if it matches nobody.",
      ),
    abTest: abTestSchema(fields).optional(),
  });

export const topicIds = (deps: Pick<IssueDeps, 'publication'>) =>
  deps.publication.topics.map((t) => t.id);

/** The article an issue may send: published, not a draft; else a 422 naming `article`. */
export async function publishedArticle(deps: Pick<IssueDeps, 'articles'>, slug: string) {
  const article = await deps.articles.bySlug(slug);
  if (!article || article.draft)
    throw new DomainError(ErrorCodes.invalidInput, `No published article "${slug}".`, {
      issues: [{ field: 'article', message: 'is not a published article' }],
    });
  return article;
}

/**
 * A draft issue for one article. Audience defaults to the article's topics and every frequency:
 * an editor's send goes to everyone who follows those topics.
 */
export async function createArticleIssue(deps: IssueDeps, input: unknown): Promise<Issue> {
  const data = parseInput(createIssueSchema(topicIds(deps), deps.publication.fields), input);
  const article = await publishedArticle(deps, data.article);
  // A segment stands instead of the article's topics, unless the editor names topics too.
  const audience = {
    topics: data.topics ?? (data.segment ? everyone(deps.publication).topics : article.topics),
    frequencies: data.frequencies ?? allFrequencies,
  };
  const segment = data.segment && (await issueSegment(deps, data.segment, audience));
  const now = deps.clock.now().toISOString();
  const issue: Issue = {
    // The time, then a random part: two issues of one article made in the same millisecond (two
    // editors, a script) are two issues, not a conflict.
    id:
      data.id ??
      `article-${article.slug}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`,
    content: { kind: 'article', slug: article.slug },
    subject: data.subject ?? article.title,
    editorNote: data.editorNote,
    audience,
    ...(segment && { segment }),
    ...(data.abTest && { abTest: abTestOf(data.abTest) }),
    state: 'draft',
    deliveryKey: articleDeliveryKey(article.slug),
    shards: SEND_SHARDS,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  if (!(await deps.issues.create(issue)))
    throw new DomainError(ErrorCodes.conflict, `An issue ${issue.id} already exists.`);
  return issue;
}

export const articleDeliveryKey = (slug: string) => `article:${slug}`;

function issueSegment(deps: IssueDeps, id: string, audience: Audience) {
  const segments = deps.segments;
  if (!segments)
    throw new DomainError(ErrorCodes.invalidInput, 'Segments are not available here.', {
      issues: [{ field: 'segment', message: 'cannot be used from here' }],
    });
  return segmentForIssue({ ...deps, segments }, id, audience);
}

/**
 * An editor's start of an issue that targets a segment: refused (422, count 0) if the segment
 * no longer reaches any reader of its audience, since it was made (readers left, changed).
 */
async function refuseIfSegmentEmpty(deps: IssueDeps, id: string) {
  assertPossibleIssueId(id);
  const issue = await deps.issues.get(id);
  if (issue?.segment && (issue.state === 'draft' || issue.state === 'scheduled'))
    await assertReaches(deps, issue.segment, issue.audience);
}

/** The issue `npm run send -- <slug>` works on: created on first use, resumed after. */
export async function findOrCreateEditorSend(deps: IssueDeps, slug: string): Promise<Issue> {
  const id = `article-${slug}`;
  const existing = await deps.issues.get(id);
  // An editor may have changed its article in the workspace: it is not this slug's send any more.
  if (existing && (existing.content.kind !== 'article' || existing.content.slug !== slug))
    throw new DomainError(
      ErrorCodes.conflict,
      `Issue ${id} was edited to send another article; send ${slug} from the workspace instead.`,
    );
  if (existing) return existing;
  try {
    return await createArticleIssue(deps, { article: slug, id });
  } catch (error) {
    // Another caller created it between our read and our write: use theirs.
    if (error instanceof DomainError && error.code === ErrorCodes.conflict)
      return (await deps.issues.get(id))!;
    throw error;
  }
}

export async function scheduleIssue(deps: IssueDeps, id: string, at: Date) {
  assertScheduleTime(deps, at);
  await refuseIfSegmentEmpty(deps, id);
  return transitionIssue(deps, id, 'schedule', () => ({ scheduledAt: at.toISOString() }));
}

/** A schedule's time is a date, not in the past (a minute's grace for the form's round minute). */
export function assertScheduleTime(deps: Pick<IssueDeps, 'clock'>, at: Date) {
  if (Number.isNaN(at.getTime()))
    throw new DomainError(ErrorCodes.invalidInput, 'The time is not a date.', {
      issues: [{ field: 'at', message: 'must be an ISO 8601 date and time' }],
    });
  if (at.getTime() < deps.clock.now().getTime() - 60_000) {
    throw new DomainError(ErrorCodes.invalidInput, 'The time is in the past.', {
      issues: [{ field: 'at', message: 'must be in the future' }],
    });
  }
}

export async function sendIssueNow(deps: IssueDeps, id: string) {
  await refuseIfSegmentEmpty(deps, id);
  return transitionIssue(deps, id, 'sendNow');
}
export const cancelIssue = (deps: IssueDeps, id: string) => transitionIssue(deps, id, 'cancel');
export const resumeIssue = (
  deps: Pick<IssueDeps, 'issues' | 'clock' | 'subscribers'>,
  id: string,
) => transitionIssue(deps, id, 'resume');

export function pauseIssue(
  deps: Pick<IssueDeps, 'issues' | 'clock' | 'subscribers'>,
  id: string,
  reason: PauseReason = 'editor',
  details: { resumeAfter?: Date; message?: string } = {},
) {
  return transitionIssue(deps, id, 'pause', () => ({
    pause: {
      reason,
      at: deps.clock.now().toISOString(),
      resumeAfter: details.resumeAfter?.toISOString(),
      message: details.message,
    },
  }));
}

export type IssueReport = {
  issue: Issue;
  counts: Counts;
  /** Recipients not reached yet (or never, if cancelled). */
  remaining: number;
  shardsDone: number;
  /** Subscriber ids whose send proved nothing and no editor has decided on (addresses: `ambiguousReaders`). */
  ambiguous: string[];
  /** Editors' decisions on ambiguous readers, with what each resend did. */
  resolutions: AmbiguousResolution[];
  /** Released readers waiting to be sent again (within `remaining`). */
  pendingResend: number;
  failures: { subscriberId: string; reason: string }[];
  /** Recipients skipped on purpose, by reason (within `counts.skipped`). */
  skips: Record<string, number>;
  engagement: Engagement;
  /** An A/B issue's test: each variant's sends, opens and clicks, and the winner (ab-report.ts). */
  abTest?: AbReport;
};

/** Progress while sending, and the report afterwards: readable at any time, by anyone. */
export async function issueReport(
  deps: Pick<IssueDeps, 'issues'>,
  id: string,
): Promise<IssueReport> {
  assertPossibleIssueId(id);
  const issue = await deps.issues.get(id);
  if (!issue) throw new DomainError(ErrorCodes.notFound, `No issue ${id}.`);
  const shards = await deps.issues.shards(id);
  const { total, exact } = audienceTotal(issue, shards);
  const inPhase = new Set(phaseShards(issue, shardsOf(issue)));
  const { counts, pendingResend } = resolvedCounts(
    shards.reduce((sum, s) => addCounts(sum, s.counts), zeroCounts()),
    issue,
  );
  return {
    issue: { ...issue, total, totalEstimated: exact || total === undefined ? undefined : true },
    counts,
    remaining: Math.max(0, (total ?? 0) - processedOf(counts)),
    // An A/B issue's: of the phase it is in (phase two's shards are its own, ab-test.ts).
    shardsDone: shards.filter((s) => s.done && inPhase.has(s.shard)).length,
    ambiguous: currentAmbiguous(issue, shards),
    resolutions: issue.resolutions ?? [],
    pendingResend,
    failures: shards.flatMap((s) => s.failures),
    skips: shards.reduce((sum, s) => addSkips(sum, s.skips), {}),
    engagement: await deps.issues.engagement(id),
    ...(issue.abTest && {
      abTest: await abReport(deps, { ...issue, abTest: issue.abTest }, shards),
    }),
  };
}

/**
 * Every id this code makes (`article-<slug>`, `publish-<slug>`, `digest-weekly-2026-W49`, an
 * editor's own) fits this. Anything else cannot exist, so it is not looked up: a 5,000-character
 * id from a URL would otherwise reach DynamoDB as a key over its size limit and fail as a 500.
 */
export function assertPossibleIssueId(id: string) {
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,255}$/.test(id))
    throw new DomainError(ErrorCodes.notFound, 'No such issue.');
}
