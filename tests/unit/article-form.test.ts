/**
 * The workspace's article form stands for a markdown file like content/'s: what it builds goes
 * through the same schema (parseArticle), reads back into the same form, and a refusal is said
 * under the form's own field (the Sources box's line, the slug, the body).
 */
import { describe, expect, it } from 'vitest';
import { parseArticle } from '../../functions/core/content/article.js';
import { DomainError } from '../../functions/core/errors.js';
import {
  articleOfForm,
  articleSource,
  formOf,
  slugFrom,
} from '../../functions/http/admin/workspace/article-form.js';

const publication = {
  topics: [
    { id: 'security', label: 'Security', description: '' },
    { id: 'economy', label: 'Economy', description: '' },
  ],
  fields: [],
};

const form = {
  slug: 'roads-and-rail',
  title: 'Roads: "rail" --- and more',
  summary: 'What the new budget builds.',
  date: '2026-12-04',
  'topic-economy': '1',
  desk: 'Economy desk',
  sources: 'The budget | https://example.org/budget\n\nA second | https://example.org/2',
  related: 'Only a title\nWith one | https://example.org/r',
  body: '## Money\r\n\r\nThe budget **grows**.',
  sendWhenPublished: '1',
};

const issuesOf = async (work: () => Promise<unknown>) => {
  const error = await work().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return (error as DomainError).details.issues;
};

describe('the article form', () => {
  it('builds a file the one schema reads, and reads back into the same form', () => {
    const source = articleSource(form, publication);
    const article = parseArticle('roads-and-rail.md', source, publication.topics);
    expect(article).toMatchObject({
      slug: 'roads-and-rail',
      title: 'Roads: "rail" --- and more',
      topics: ['economy'],
      desk: 'Economy desk',
      sources: [
        { title: 'The budget', url: 'https://example.org/budget' },
        { title: 'A second', url: 'https://example.org/2' },
      ],
      related: [{ title: 'Only a title' }, { title: 'With one', url: 'https://example.org/r' }],
      sendWhenPublished: true,
      draft: false,
    });
    expect(article.date.toISOString().slice(0, 10)).toBe('2026-12-04');
    expect(article.html).toContain('<strong>grows</strong>');
    expect(formOf('roads-and-rail', source)).toEqual({
      ...form,
      author: '',
      sources: 'The budget | https://example.org/budget\nA second | https://example.org/2',
      body: '## Money\n\nThe budget **grows**.',
    });
  });

  it('says each problem under the field it came from', async () => {
    expect(
      await issuesOf(() =>
        articleOfForm(
          'Not A Slug',
          { ...form, 'topic-economy': undefined, sources: 'ok | https://x.org\nbad | ftp://x' },
          publication,
        ),
      ),
    ).toEqual(
      expect.arrayContaining([
        { field: 'topics', message: 'name at least one topic' },
        { field: 'sources', message: 'line 2: must be an http(s) URL' },
      ]),
    );
    expect(await issuesOf(() => articleOfForm('Not A Slug', form, publication))).toEqual([
      { field: 'slug', message: 'must be a lower-case slug like my-article.md' },
    ]);
    expect(await issuesOf(() => articleOfForm('x', { ...form, body: ' ' }, publication))).toEqual([
      { field: 'body', message: 'is empty' },
    ]);
    expect(
      await issuesOf(() => articleOfForm('x', { ...form, sources: 'no address' }, publication)),
    ).toEqual([{ field: 'sources', message: 'line 1: write it as Title | https://address' }]);
    expect(
      await issuesOf(() => articleOfForm('x', { ...form, desk: '', author: ' ' }, publication)),
    ).toEqual([{ field: 'author', message: 'name an author or a desk' }]);
  });

  it('makes an address from a title', () => {
    expect(slugFrom('Roads & rail: Škoda’s 2027 plan!')).toBe('roads-rail-skoda-s-2027-plan');
    expect(slugFrom('  ')).toBe('');
  });
});
