import { resumeAndFanOut, sendNowAndFanOut } from '../../../core/delivery/start-now.js';
import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { publishedArticles } from '../../../core/content/article.js';
import { DomainError, ErrorCodes } from '../../../core/errors.js';
import { startDigest } from '../../../core/issues/digests.js';
import {
  cancelIssue,
  createArticleIssue,
  pauseIssue,
  scheduleIssue,
} from '../../../core/issues/manage-issues.js';
import { testSendIssue } from '../../../core/issues/preview.js';
import { ambiguousReaders, resolveAmbiguous } from '../../../core/issues/ambiguous.js';
import type { Resolution } from '../../../core/issues/issue.js';
import { listSegments } from '../../../core/segments/manage.js';
import type { AdminDeps } from '../deps.js';
import { abTestOf } from '../pages/ab-test.js';
import { ConfirmResolution } from '../pages/ambiguous.js';
import { type ComposeInput, IssueList } from '../pages/issues.js';
import { askFirst } from './ask-first.js';
import { showIssue } from './issue-page.js';
import { backOnTheForm } from './refused.js';
import { cancelling, scheduling, sendingNow } from './consequences.js';
import { allIssues, page, redirect, type WorkspaceEnv } from './page.js';

/** A form's repeated field, without its empty entries. */
const many = (v: unknown) =>
  ([] as unknown[]).concat(v ?? []).filter((x): x is string => typeof x === 'string' && x !== '');
const one = (v: unknown) => (typeof v === 'string' ? v : undefined);
/** The compose form as posted: boxes left out are undefined (the article page's button has none). */
export const composeInput = (body: Record<string, unknown>): ComposeInput => ({
  article: one(body.article),
  subject: one(body.subject),
  editorNote: one(body.editorNote),
  topics: body.topics === undefined ? undefined : many(body.topics),
  // The compose form marks that it offered the boxes: then none ticked is none, not the defaults.
  frequencies:
    body.frequencies === undefined && body['audience-offered'] === undefined
      ? undefined
      : many(body.frequencies),
  segment: one(body.segment) || undefined,
  ...(body.abSubjects !== undefined && {
    abSubjects: ([] as unknown[]).concat(body.abSubjects).map((s) => one(s) ?? ''),
    abSamplePercent: one(body.abSamplePercent),
    abMetric: one(body.abMetric),
    abWaitMinutes: one(body.abWaitMinutes),
  }),
});
const resolutionOf = (body: Record<string, unknown>): Resolution =>
  body.resolution === 'release' ? 'release' : 'delivered';
/** The schedule form's time. datetime-local has no zone: the form says UTC, so read it as UTC. */
async function scheduleTime(c: Context<WorkspaceEnv>) {
  const body = await c.req.parseBody({ all: true });
  const raw = typeof body.at === 'string' ? body.at : '';
  return { raw, at: new Date(/Z|[+-]\d\d:\d\d$/.test(raw) ? raw : `${raw}Z`) };
}
const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v : undefined);

const verbs = {
  send: [sendNowAndFanOut, 'sent'],
  pause: [(d: AdminDeps, id: string) => pauseIssue(d, id), 'paused'],
  resume: [resumeAndFanOut, 'resumed'],
  cancel: [cancelIssue, 'cancelled'],
} as const;

export function issueRoutes(deps: AdminDeps) {
  /** The issues page, with the compose form as it was refused when it was. */
  const list = async (
    c: Context<WorkspaceEnv>,
    refused?: Parameters<typeof IssueList>[0]['refused'],
    status: ContentfulStatusCode = 200,
  ) =>
    page(
      c,
      'Issues',
      <IssueList
        issues={await allIssues(deps)}
        articles={publishedArticles(await deps.articles.all())}
        csrf={c.get('session').csrf}
        publication={deps.publication}
        refused={refused}
        segments={await listSegments(deps)}
      />,
      status,
    );
  const issues = new Hono<WorkspaceEnv>()
    .get('/', async (c) => list(c))
    .post('/', async (c) => {
      const body = await c.req.parseBody({ all: true });
      const input = composeInput(body);
      try {
        const issue = await createArticleIssue(deps, {
          article: input.article,
          subject: text(input.subject),
          editorNote: text(input.editorNote),
          // The compose form shows the frequency boxes ticked: none ticked is refused (422 naming
          // frequencies), never read as everyone. Topics left unticked are the article's own, as
          // the form says; the article page's one-button form sends neither, for the defaults.
          topics: input.topics?.length ? input.topics : undefined,
          frequencies: input.frequencies,
          segment: input.segment,
          abTest: abTestOf(input),
        });
        return redirect(c, `/admin/issues/${issue.id}?notice=created`);
      } catch (error) {
        // Refused input comes back on the form it was typed in, kept, with the fields named.
        if (!(error instanceof DomainError) || error.code !== ErrorCodes.invalidInput) throw error;
        const refused = { input, issues: error.details.issues ?? [], message: error.message };
        return list(c, refused, 422);
      }
    })
    .get('/:id', (c) => showIssue(deps, c));
  // What cannot be taken back asks first: sending mail, and cancelling for good. Scheduling is
  // reviewed the same way (what, to whom, when) though it can be undone until its time.
  issues.post('/:id/send', askFirst(sendingNow(deps)));
  issues.post(
    '/:id/schedule',
    // A time that cannot be scheduled comes back on the issue page as typed, before any review.
    backOnTheForm((c, refused) => showIssue(deps, c, undefined, 422, refused)),
    askFirst(scheduling(deps, async (c) => (await scheduleTime(c)).at)),
    async (c) => {
      await scheduleIssue(deps, c.req.param('id'), (await scheduleTime(c)).at);
      return redirect(c, `/admin/issues/${c.req.param('id')}?notice=scheduled`);
    },
  );
  issues.post('/:id/cancel', askFirst(cancelling(deps)));
  for (const [verb, [run, notice]] of Object.entries(verbs)) {
    issues.post(`/:id/${verb}`, async (c) => {
      const moved = await run(deps, c.req.param('id'));
      const said = 'held' in moved && moved.held ? 'held' : notice;
      return redirect(c, `/admin/issues/${c.req.param('id')}?notice=${said}`);
    });
  }
  issues
    .post('/:id/ambiguous/:subscriber/confirm', async (c) => {
      const { id, subscriber } = c.req.param();
      const resolution = resolutionOf(await c.req.parseBody());
      const reader = (await ambiguousReaders(deps, id)).readers.find(
        (r) => r.subscriberId === subscriber,
      );
      if (!reader)
        throw new DomainError(
          ErrorCodes.conflict,
          'That reader is not ambiguous in this issue (any more).',
        );
      const csrf = c.get('session').csrf;
      return page(
        c,
        'Confirm',
        <ConfirmResolution issueId={id} reader={reader} resolution={resolution} csrf={csrf} />,
      );
    })
    .post('/:id/ambiguous/:subscriber', async (c) => {
      const { id, subscriber } = c.req.param();
      const body = await c.req.parseBody();
      await resolveAmbiguous(
        deps,
        id,
        subscriber,
        resolutionOf(body),
        String(body.reason ?? ''),
        c.get('key').name,
      );
      return redirect(c, `/admin/issues/${id}?notice=resolved`);
    });
  return issues.post('/:id/test', async (c) => {
    const issue = await deps.issues.get(c.req.param('id'));
    if (!issue) throw new DomainError(ErrorCodes.notFound, 'No such issue.');
    const body = await c.req.parseBody({ all: true });
    await testSendIssue(deps, issue, many(body.to).join(','), c.get('key'));
    return redirect(c, `/admin/issues/${issue.id}?notice=tested`);
  });
}

/** Start this period's digest now (mounted at /admin/digests); its schedule would, once per period. */
export const digestRoutes = (deps: AdminDeps) =>
  new Hono<WorkspaceEnv>().post('/', async (c) => {
    const body = await c.req.parseBody();
    const frequency = body.frequency === 'weekly' ? 'weekly' : 'daily';
    let result: Awaited<ReturnType<typeof startDigest>>;
    try {
      result = await startDigest(deps, frequency, deps.clock.now(), { byHand: true });
    } catch (error) {
      // Its segment reaches none of this digest's readers: said with the segment's name and the
      // count, and where the digests' audience is set, since nothing on this form would help.
      if (!(error instanceof DomainError) || error.code !== ErrorCodes.invalidInput) throw error;
      return page(
        c,
        'Digest not started',
        <div class="error" role="alert" data-testid="digest-refused">
          <p>
            The {frequency} digest was not started: {error.message} Its period is still free.
          </p>
          <p>
            <a href="/admin/segments">Change the digests' audience</a> ·{' '}
            <a href="/admin/issues">Back to issues</a>
          </p>
        </div>,
        422,
      );
    }
    if (result.status === 'nothing_new')
      return page(
        c,
        'Nothing to send',
        <p class="notice" role="status">
          No article was published since the last {frequency} digest, so there is nothing to send.{' '}
          <a href="/admin/issues">Back to issues</a>
        </p>,
      );
    return redirect(c, `/admin/issues/${result.issue.id}?notice=sent`);
  });
