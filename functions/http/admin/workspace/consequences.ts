/**
 * What each irreversible workspace action says before it is done (see ask-first.tsx): who it
 * touches, by address or subject, and that it cannot be taken back.
 */
import type { Context } from 'hono';
import { DomainError, ErrorCodes } from '../../../core/errors.js';
import type { Issue } from '../../../core/issues/issue.js';
import { assertScheduleTime, estimateAudience } from '../../../core/issues/manage-issues.js';
import { assertReaches, previewSegment } from '../../../core/segments/manage.js';
import { topicsLabel } from '../../../core/subscribers/messages.js';
import { editorAddressRequest } from '../../../core/subscribers/suppression.js';
import type { AdminDeps } from '../deps.js';
import { readableDate } from '../pages/when.js';
import type { Consequence } from './ask-first.js';
import type { WorkspaceEnv } from './page.js';

type Describe = (c: Context<WorkspaceEnv>) => Promise<Consequence>;

const frequencyNames = {
  immediate: 'every article',
  daily: 'daily digests',
  weekly: 'weekly digests',
} as const;

const orList = (items: string[]) =>
  items.length > 1 ? `${items.slice(0, -1).join(', ')} or ${items.at(-1)}` : (items[0] ?? '');

async function issueOf(deps: AdminDeps, c: Context<WorkspaceEnv>): Promise<Issue> {
  const issue = await deps.issues.get(c.req.param('id') ?? '');
  if (!issue) throw new DomainError(ErrorCodes.notFound, 'No such issue.');
  return issue;
}

/** "the confirmed readers of Economy who chose every article or daily digests" */
export function audienceOf(deps: AdminDeps, issue: Pick<Issue, 'audience' | 'segment'>) {
  const topics = topicsLabel(deps, issue.audience.topics) || 'no topic';
  const frequencies = orList(issue.audience.frequencies.map((f) => frequencyNames[f]));
  const segment = issue.segment ? ` in the segment “${issue.segment.name}”` : '';
  return `the confirmed readers of ${topics} who chose ${frequencies}${segment}`;
}

const readers = (n: number) => `${n} reader${n === 1 ? '' : 's'}`;

/** What an issue's review lists, whether it goes now or at a time. */
async function review(deps: AdminDeps, issue: Issue, when: string) {
  // The dashboard counters' estimate, one read: the exact count is the workers' (issue 15). A
  // segment's is its preview, exact (one read of the audience); none is refused here (422).
  const counted = issue.segment && (await previewSegment(deps, issue.segment, issue.audience));
  if (counted && counted.count === 0) await assertReaches(deps, issue.segment!, issue.audience);
  const about = counted ? counted.count : await estimateAudience(deps, issue.audience);
  const { fromName, fromAddress } = deps.publication;
  const facts: [string, string][] = [
    ['Subject', issue.subject],
    ['Content', await contentOf(deps, issue)],
    ['From', `${fromName} <${fromAddress}>`],
    ['Audience', audienceOf(deps, issue)],
    [
      'Recipients',
      counted
        ? `${about} now, the segment's readers counted exactly`
        : `about ${about} now, from the readers' counters; counted exactly as it sends`,
    ],
    ['When', when],
  ];
  return { about, facts };
}

async function contentOf(deps: AdminDeps, issue: Issue) {
  if (issue.content.kind !== 'article') return `the ${issue.content.frequency} digest`;
  const { slug } = issue.content;
  const article = (await deps.articles.all()).find((a) => a.slug === slug);
  return article ? `the article “${article.title}”` : `the article ${slug}`;
}

/** "Send now" reviews the issue: what, from whom, to whom and how many, then one button. */
export const sendingNow =
  (deps: AdminDeps): Describe =>
  async (c) => {
    const issue = await issueOf(deps, c);
    const { about, facts } = await review(deps, issue, 'now, as soon as you confirm');
    return {
      title: `Review before sending “${issue.subject}”`,
      facts,
      says: `It goes out at once to ${audienceOf(deps, issue)} (about ${about}; counted exactly as it sends), from ${deps.publication.fromAddress}. An email cannot be recalled once sent; pausing stops only what has not left.`,
      button: `Send to ${readers(about)}`,
      back: `/admin/issues/${issue.id}`,
    };
  };

/** Scheduling reviews the same facts, with the time; it can be paused or cancelled until then. */
export const scheduling =
  (deps: AdminDeps, at: (c: Context<WorkspaceEnv>) => Promise<Date>): Describe =>
  async (c) => {
    const issue = await issueOf(deps, c);
    const when = await at(c);
    assertScheduleTime(deps, when);
    const { about, facts } = await review(deps, issue, readableDate(when.toISOString()));
    return {
      title: `Review before scheduling “${issue.subject}”`,
      facts,
      says: `It goes out by itself at ${readableDate(when.toISOString())} to ${audienceOf(deps, issue)} (about ${about} today). Until then it can be rescheduled, paused or cancelled from its page.`,
      button: `Schedule for ${readers(about)}`,
      back: `/admin/issues/${issue.id}`,
      kind: 'primary',
    };
  };

export const cancelling =
  (deps: AdminDeps): Describe =>
  async (c) => {
    const issue = await issueOf(deps, c);
    return {
      title: `Cancel “${issue.subject}”?`,
      says: `Nothing more of it is sent: readers not yet mailed never get it, and a cancelled issue cannot be resumed or sent again. Those already mailed keep their copy.`,
      button: `Cancel “${issue.subject}” for good`,
      back: `/admin/issues/${issue.id}`,
    };
  };

export const erasing =
  (deps: AdminDeps): Describe =>
  async (c) => {
    const id = c.req.param('id') ?? '';
    const reader = await deps.subscribers.get(id);
    if (!reader)
      throw new DomainError(ErrorCodes.notFound, 'No such subscriber (erased, perhaps).');
    return {
      title: `Erase ${reader.email} for good?`,
      says: `${reader.email}'s record, choices, consent and sending history are deleted now, and cannot be restored. Only a one-way hash of the address stays on the suppression list, so it is never mailed again.`,
      button: `Erase ${reader.email}`,
      back: `/admin/subscribers/${id}`,
    };
  };

/** The form's address, checked (with its reason) before anything is asked about it. */
const addressIn = async (c: Context<WorkspaceEnv>) =>
  editorAddressRequest(await c.req.parseBody()).email;

export const suppressing = (): Describe => async (c) => {
  const email = await addressIn(c);
  return {
    title: `Suppress ${email}?`,
    says: `${email} is mailed nothing more, not even a confirmation, and a confirmed or pending reader at that address is unsubscribed now. Removing it from the list later does not resubscribe them.`,
    button: `Suppress ${email}`,
    back: '/admin/suppressions',
  };
};

export const unsuppressing = (): Describe => async (c) => {
  const email = await addressIn(c);
  return {
    title: `Mail ${email} again?`,
    says: `${email} was suppressed (a bounce, a complaint, an erasure or an editor's decision). Once removed, a signup or an import may mail it again; a complaint address that is mailed again harms the sending reputation of every reader's mail.`,
    button: `Remove ${email} from the suppression list`,
    back: '/admin/suppressions',
  };
};
