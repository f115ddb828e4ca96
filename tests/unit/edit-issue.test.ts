import { describe, expect, it } from 'vitest';
import { editIssue } from '../../functions/core/issues/edit-issue.js';
import {
  cancelIssue,
  createArticleIssue,
  findOrCreateEditorSend,
  scheduleIssue,
  sendIssueNow,
} from '../../functions/core/issues/manage-issues.js';
import { anArticle, memoryDeliveryDeps } from '../support/builders.js';

function withDraft() {
  const deps = memoryDeliveryDeps([
    anArticle({ slug: 'first', title: 'First title', topics: ['security'] }),
    anArticle({ slug: 'second', title: 'Second title', topics: ['politics'] }),
    anArticle({ slug: 'unfinished', title: 'Unfinished', draft: true }),
  ]);
  return { deps, created: createArticleIssue(deps, { article: 'first', id: 'edited' }) };
}

describe('editing an issue before it starts', () => {
  it('changes subject, note, audience and article, and keeps who changed what from what to what', async () => {
    const { deps, created } = withDraft();
    const draft = await created;
    const first = await editIssue(
      deps,
      draft.id,
      { subject: 'A better subject', editorNote: 'Read this first.', frequencies: ['weekly'] },
      'Ana',
    );
    expect(first.changed).toBe(true);
    deps.clock.advance(60_000);
    const second = await editIssue(
      deps,
      draft.id,
      { article: 'second', topics: ['politics', 'economy'], version: first.issue.version },
      'Ben',
    );
    const stored = (await deps.issues.get(draft.id))!;
    expect(stored).toEqual(second.issue);
    expect(stored).toMatchObject({
      subject: 'A better subject',
      editorNote: 'Read this first.',
      audience: { topics: ['politics', 'economy'], frequencies: ['weekly'] },
      content: { kind: 'article', slug: 'second' },
      deliveryKey: 'article:second',
      state: 'draft',
      version: draft.version + 2,
    });
    expect(stored.history).toEqual([
      {
        by: 'Ana',
        at: '2026-11-28T09:00:00.000Z',
        changes: [
          { field: 'subject', from: 'First title', to: 'A better subject' },
          { field: 'editorNote', from: undefined, to: 'Read this first.' },
          { field: 'frequencies', from: ['immediate', 'daily', 'weekly'], to: ['weekly'] },
        ],
      },
      {
        by: 'Ben',
        at: '2026-11-28T09:01:00.000Z',
        changes: [
          { field: 'article', from: 'first', to: 'second' },
          { field: 'topics', from: ['security'], to: ['politics', 'economy'] },
        ],
      },
    ]);
  });

  it('lets a subject left as the old article’s title follow the new article, and records nothing for no change', async () => {
    const { deps, created } = withDraft();
    const draft = await created;
    const moved = await editIssue(
      deps,
      draft.id,
      { article: 'second', subject: 'First title', topics: ['security'] },
      'Ana',
    );
    expect(moved.issue.subject).toBe('Second title');
    const again = await editIssue(
      deps,
      draft.id,
      { article: 'second', subject: 'Second title', frequencies: ['weekly', 'daily', 'immediate'] },
      'Ana',
    );
    expect(again).toEqual({ issue: moved.issue, changed: false });
    expect((await deps.issues.get(draft.id))!.history).toHaveLength(1);
    // `npm run send -- first` works on issue article-first: edited to another article, it is not
    // first's send any more, and says so rather than sending the other one.
    const cli = await findOrCreateEditorSend(deps, 'first');
    await editIssue(deps, cli.id, { article: 'second' }, 'Ana');
    await expect(findOrCreateEditorSend(deps, 'first')).rejects.toMatchObject({
      code: 'conflict',
      message:
        'Issue article-first was edited to send another article; send first from the workspace instead.',
    });
  });

  it('validates as creation does: nothing ticked, an unknown topic, an unpublished article are 422s naming the field', async () => {
    const { deps, created } = withDraft();
    const draft = await created;
    const refused = (input: unknown) => editIssue(deps, draft.id, input, 'Ana');
    await expect(refused({ frequencies: [] })).rejects.toMatchObject({
      code: 'invalid_input',
      details: { issues: [{ field: 'frequencies' }] },
    });
    await expect(refused({ topics: [] })).rejects.toMatchObject({
      details: { issues: [{ field: 'topics' }] },
    });
    await expect(refused({ topics: ['gardening'] })).rejects.toMatchObject({
      details: { issues: [{ field: 'topics.0' }] },
    });
    await expect(refused({ article: 'unfinished' })).rejects.toMatchObject({
      details: { issues: [{ field: 'article', message: 'is not a published article' }] },
    });
    await expect(refused({ subject: 'two\nlines' })).rejects.toMatchObject({
      details: { issues: [{ field: 'subject' }] },
    });
    expect(await deps.issues.get(draft.id)).toEqual(draft);
  });

  it('edits a scheduled issue, and refuses one that is sending, paused or cancelled with a 409 saying so', async () => {
    const { deps, created } = withDraft();
    const draft = await created;
    await scheduleIssue(deps, draft.id, new Date('2026-11-29T07:00:00Z'));
    expect((await editIssue(deps, draft.id, { subject: 'Still editable' }, 'Ana')).changed).toBe(
      true,
    );
    await sendIssueNow(deps, draft.id);
    await expect(editIssue(deps, draft.id, { subject: 'Too late' }, 'Ana')).rejects.toMatchObject({
      code: 'conflict',
      message:
        'Issue edited is sending (it started sending at 2026-11-28T09:00:00.000Z): only a draft or a scheduled issue can be edited. Nothing was changed.',
    });
    const other = await createArticleIssue(deps, { article: 'first', id: 'dropped' });
    await cancelIssue(deps, other.id);
    await expect(editIssue(deps, other.id, { subject: 'x' }, 'Ana')).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/^Issue dropped is cancelled \(cancelled at /),
    });
    expect((await deps.issues.get(draft.id))!.subject).toBe('Still editable');
  });

  it('refuses an edit made on a version changed since, naming who changed what', async () => {
    const { deps, created } = withDraft();
    const draft = await created;
    await editIssue(deps, draft.id, { subject: 'Ana’s', version: draft.version }, 'Ana');
    await expect(
      editIssue(deps, draft.id, { subject: 'Ben’s', version: draft.version }, 'Ben'),
    ).rejects.toMatchObject({
      code: 'conflict',
      message:
        'Issue edited changed since you read it (version 1, now 2: Ana changed subject at 2026-11-28T09:00:00.000Z). Nothing was changed; reload it and edit again.',
    });
    expect((await deps.issues.get(draft.id))!.subject).toBe('Ana’s');
  });

  it('loses the race to the send starting between its read and its write: 409, nothing applied', async () => {
    const { deps, created } = withDraft();
    const draft = await created;
    const read = deps.issues.get.bind(deps.issues);
    let raced = false;
    // The tick starts the send right after the edit read the draft, before its write.
    deps.issues.get = async (id: string) => {
      const found = await read(id);
      if (!raced) {
        raced = true;
        await sendIssueNow(deps, id);
      }
      return found;
    };
    await expect(editIssue(deps, draft.id, { subject: 'Raced' }, 'Ana')).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/^Issue edited is sending/),
    });
    const stored = (await read(draft.id))!;
    expect(stored).toMatchObject({ state: 'sending', subject: 'First title' });
    expect(stored.history).toBeUndefined();
  });
});
