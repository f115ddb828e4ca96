import * as z from 'zod';
import type { Article } from '../content/article.js';
import type { FieldDefinition } from '../subscribers/fields.js';
import { DomainError, ErrorCodes } from '../errors.js';
import { parseInput } from '../subscribers/input.js';
import type { IssueDeps } from './deps.js';
import type { EditableField, FieldValue, Issue, IssueEdit } from './issue.js';
import {
  articleDeliveryKey,
  assertPossibleIssueId,
  createIssueSchema,
  publishedArticle,
  topicIds,
  type TransitionResult,
} from './manage-issues.js';

/**
 * What an edit may send: the fields of the compose form, validated by the very schema that
 * creates an issue, each optional (left out: unchanged), and the version the editor read.
 */
export const editIssueSchema = (topics: string[], readerFields?: readonly FieldDefinition[]) =>
  // The segment is chosen when the issue is made (its rules copied then); not edited here.
  createIssueSchema(topics, readerFields)
    .omit({ id: true, segment: true, abTest: true })
    .partial()
    .extend({
      version: z.number().int().min(1).optional(),
      // Said, not dropped: an editor who sends one expects it to change something.
      segment: z
        .unknown()
        .refine((v) => v === undefined, {
          message: 'cannot be changed once the issue is made: make a new issue for another segment',
        })
        .optional()
        .describe('Not editable: the segment is chosen (its rules copied) when the issue is made'),
      // An A/B test is set when the issue is made, like its segment (docs/sending.md, "A/B subjects").
      abTest: z
        .unknown()
        .refine((v) => v === undefined, {
          message: 'cannot be changed once the issue is made: make a new issue for another test',
        })
        .optional()
        .describe('Not editable: the A/B test is set when the issue is made'),
    });
export type IssueEditInput = z.infer<ReturnType<typeof editIssueSchema>>;

const editableStates: readonly Issue['state'][] = ['draft', 'scheduled'];
const fields: readonly EditableField[] = [
  'article',
  'subject',
  'editorNote',
  'topics',
  'frequencies',
];

/** An issue's editable fields as the history records them. */
export const fieldValues = (issue: Issue): Record<EditableField, FieldValue> => ({
  article: issue.content.kind === 'article' ? issue.content.slug : undefined,
  subject: issue.subject,
  editorNote: issue.editorNote,
  topics: issue.audience.topics,
  frequencies: issue.audience.frequencies,
});

/** Lists are sets here: the same topics in another order are no change. */
const same = (a: FieldValue, b: FieldValue) =>
  Array.isArray(a) && Array.isArray(b)
    ? JSON.stringify([...a].sort()) === JSON.stringify([...b].sort())
    : a === b;

/**
 * Changes a draft or a scheduled issue: subject, editor's note, audience, article. The write is
 * conditional on the version read, like every state move (`transitionIssue`), so an edit and the
 * tick starting the send cannot both land: whichever is second re-reads, and an edit that finds
 * the issue sending is refused (409) and changes nothing. Given `version` (the one the editor
 * saw), an issue changed since is refused too, saying by whom, rather than edited blind.
 * Each edit that changes something is appended to the issue's history.
 */
export async function editIssue(
  deps: IssueDeps,
  id: string,
  input: unknown,
  by: string,
): Promise<TransitionResult> {
  const data = parseInput(editIssueSchema(topicIds(deps), deps.publication.fields), input);
  assertPossibleIssueId(id);
  const article =
    data.article === undefined ? undefined : await publishedArticle(deps, data.article);
  for (let attempt = 0; attempt < 8; attempt++) {
    const current = await deps.issues.get(id);
    if (!current) throw new DomainError(ErrorCodes.notFound, `No issue ${id}.`);
    refuseUnlessEditable(current, data.version);
    const after = await editedValues(deps, current, data, article);
    const before = fieldValues(current);
    const changes = fields
      .filter((f) => !same(before[f], after[f]))
      .map((f) => ({ field: f, from: before[f], to: after[f] }));
    if (changes.length === 0) return { issue: current, changed: false };
    const at = deps.clock.now().toISOString();
    const next = applied(current, changes, { by, at, changes });
    if (await deps.issues.save(next)) return { issue: next, changed: true };
  }
  throw new DomainError(ErrorCodes.conflict, `Issue ${id} is changing too fast; try again.`);
}

function refuseUnlessEditable(issue: Issue, version: number | undefined) {
  if (!editableStates.includes(issue.state)) {
    const since =
      issue.state === 'cancelled'
        ? ` (cancelled at ${issue.finishedAt ?? issue.updatedAt})`
        : issue.startedAt
          ? ` (it started sending at ${issue.startedAt})`
          : '';
    throw new DomainError(
      ErrorCodes.conflict,
      `Issue ${issue.id} is ${issue.state}${since}: only a draft or a scheduled issue can be edited. Nothing was changed.`,
    );
  }
  if (version !== undefined && version !== issue.version) {
    const last = issue.history?.at(-1);
    const what =
      last && last.at === issue.updatedAt
        ? `${last.by} changed ${last.changes.map((c) => c.field).join(', ')} at ${last.at}`
        : `it was ${issue.state === 'scheduled' ? 'scheduled' : 'changed'} at ${issue.updatedAt}`;
    throw new DomainError(
      ErrorCodes.conflict,
      `Issue ${issue.id} changed since you read it (version ${version}, now ${issue.version}: ${what}). Nothing was changed; reload it and edit again.`,
    );
  }
}

async function editedValues(
  deps: Pick<IssueDeps, 'articles'>,
  current: Issue,
  data: IssueEditInput,
  article: Article | undefined,
): Promise<Record<EditableField, FieldValue>> {
  const before = fieldValues(current);
  const after = {
    ...before,
    ...(data.subject !== undefined && { subject: data.subject }),
    // An empty note is no note.
    ...(data.editorNote !== undefined && { editorNote: data.editorNote || undefined }),
    ...(data.topics && { topics: data.topics }),
    ...(data.frequencies && { frequencies: data.frequencies }),
  };
  if (!article || article.slug === before.article) return after;
  if (current.content.kind !== 'article')
    throw new DomainError(ErrorCodes.invalidInput, 'A digest sends its period’s articles.', {
      issues: [{ field: 'article', message: 'cannot be changed on a digest' }],
    });
  // A subject that was the old article's title (the default) follows the new article's.
  const old = await deps.articles.bySlug(current.content.slug);
  return {
    ...after,
    article: article.slug,
    subject: after.subject === old?.title ? article.title : after.subject,
  };
}

function applied(issue: Issue, changes: IssueEdit['changes'], edit: IssueEdit): Issue {
  const to = Object.fromEntries(changes.map((c) => [c.field, c.to])) as Partial<
    Record<EditableField, FieldValue>
  >;
  const slug = to.article as string | undefined;
  return {
    ...issue,
    subject: (to.subject as string | undefined) ?? issue.subject,
    editorNote: 'editorNote' in to ? (to.editorNote as string | undefined) : issue.editorNote,
    audience: {
      topics: (to.topics as string[] | undefined) ?? issue.audience.topics,
      frequencies:
        (to.frequencies as Issue['audience']['frequencies'] | undefined) ??
        issue.audience.frequencies,
    },
    ...(slug && { content: { kind: 'article', slug }, deliveryKey: articleDeliveryKey(slug) }),
    updatedAt: edit.at,
    version: issue.version + 1,
    history: [...(issue.history ?? []), edit],
  };
}
