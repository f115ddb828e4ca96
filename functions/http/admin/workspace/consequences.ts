/**
 * What each irreversible workspace action says before it is done (see ask-first.tsx): who it
 * touches, by address or subject, and that it cannot be taken back.
 */
import type { Context } from 'hono';
import { DomainError, ErrorCodes } from '../../../core/errors.js';
import type { Issue } from '../../../core/issues/issue.js';
import { estimateAudience } from '../../../core/issues/manage-issues.js';
import { topicsLabel } from '../../../core/subscribers/messages.js';
import type { AdminDeps } from '../deps.js';
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
export function audienceOf(deps: AdminDeps, issue: Pick<Issue, 'audience'>) {
  const topics = topicsLabel(deps, issue.audience.topics) || 'no topic';
  const frequencies = orList(issue.audience.frequencies.map((f) => frequencyNames[f]));
  return `the confirmed readers of ${topics} who chose ${frequencies}`;
}

export const sendingNow =
  (deps: AdminDeps): Describe =>
  async (c) => {
    const issue = await issueOf(deps, c);
    // The dashboard counters' estimate, one read: the exact count is the workers' (issue 15).
    const about = await estimateAudience(deps, issue.audience);
    const count = ` (about ${about}; counted exactly as it sends)`;
    return {
      title: `Send “${issue.subject}” to about ${about} readers now?`,
      says: `It goes out at once to ${audienceOf(deps, issue)}${count}, from ${deps.publication.fromAddress}. An email cannot be recalled once sent; pausing stops only what has not left.`,
      button: `Send “${issue.subject}” now`,
      back: `/admin/issues/${issue.id}`,
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

const addressIn = async (c: Context<WorkspaceEnv>) => {
  const { email } = await c.req.parseBody({ all: true });
  return typeof email === 'string' ? email.trim() : '';
};

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
