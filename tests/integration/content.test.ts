import { readdirSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadArticles,
  loadFields,
  loadTopics,
} from '../../functions/adapters/content/fs-content.js';
import { ArticleError, parseArticle } from '../../functions/core/content/article.js';
import { aPublication } from '../support/builders.js';

const topics = aPublication().topics;
const valid = `---
title: A title
date: 2026-11-01
summary: A summary.
topics: [security]
desk: The desk
---

Body.
`;

describe('content/', () => {
  it('every article has valid front matter and merge tags (a bad file fails here, naming the file and the field)', async () => {
    // As the app loads them: with the declared fields, so %%fields.<key>%% is known here too.
    const articles = await loadArticles(
      'content',
      await loadTopics('content'),
      await loadFields('content'),
    );
    expect(articles.length).toBe(readdirSync('content').filter((f) => f.endsWith('.md')).length);
  });

  it('a bad fields.json stops the start naming the file and the field at fault; broken JSON too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dispatch-fields-'));
    const fieldsWith = async (source: string) => {
      await writeFile(join(dir, 'fields.json'), source);
      return loadFields(dir).then(
        () => 'loaded',
        (e: Error) => e.message,
      );
    };
    expect(
      await fieldsWith(
        JSON.stringify([
          { key: 'city', label: 'City', type: 'text', visibility: 'public' },
          { key: 'tier', label: 'Tier', type: 'choice', visibility: 'editor' },
          { key: 'Age', label: 'Age', type: 'integer' },
        ]),
      ),
    ).toMatch(
      /^content\/fields\.json: 1\.options: a choice field needs options.*2\.key: must be a lower-case key.*2\.type:/,
    );
    expect(await fieldsWith('[{"key": "city", "label": "City", "type": "text",}]')).toMatch(
      /^content\/fields\.json: is not valid JSON \(/,
    );
    expect(
      await fieldsWith('[{"key": "city", "label": "City", "type": "text", "public": true}]'),
    ).toMatch(/^content\/fields\.json: 0: Unrecognized key: "public"/);
  });

  it('the seed article is published as the publisher wrote it, with the scrape leftovers moved out of the body', async () => {
    const articles = await loadArticles('content', await loadTopics('content'));
    const article = articles.find((a) => a.slug === 'nato-western-balkans-stability')!;
    expect(article.markdown).not.toMatch(/See also/);
    expect(article.markdown).not.toMatch(/^Sources$/m);
    expect(article.related.map((r) => r.title)).toEqual([
      "Albanian Parliament Stunned as AI 'Minister' Delivers Speech, Sparks Opposition Outrage",
      "Kosovo's Economic Boom: Minister Hekuran Murati Highlights Record Growth",
    ]);
    expect(article.html.match(/<h2>/g)).toHaveLength(4);
    expect(article.html.match(/<li>/g)).toHaveLength(8);
    expect(article.markdown).toContain(
      'High-level visits by NATO officials underscore the Alliance’s dedication to preventing a security vacuum',
    );
    expect(article.markdown).toContain(
      'Secretary General Mark Rutte (March 2025): Visited Sarajevo and Pristina',
    );
  });
});

describe('parseArticle', () => {
  const fail = (fileName: string, source: string) => {
    try {
      parseArticle(fileName, source, topics);
    } catch (error) {
      expect(error).toBeInstanceOf(ArticleError);
      return (error as Error).message;
    }
    throw new Error('expected the article to be refused');
  };

  it('accepts a minimal valid article and renders its markdown', () => {
    expect(parseArticle('a-title.md', valid, topics)).toMatchObject({
      slug: 'a-title',
      title: 'A title',
      html: '<p>Body.</p>\n',
      sources: [],
      related: [],
    });
  });

  it('names the file and the field that is wrong', () => {
    expect(fail('broken.md', valid.replace('topics: [security]', 'topics: [astrology]'))).toMatch(
      /^broken\.md: topics: must only name known topics/,
    );
    expect(fail('broken.md', valid.replace('date: 2026-11-01', 'date: someday'))).toMatch(
      /broken\.md: date:/,
    );
    expect(fail('broken.md', valid.replace('desk: The desk', ''))).toMatch(
      /broken\.md: author: name an author or a desk/,
    );
    expect(
      fail(
        'broken.md',
        valid.replace(
          'summary: A summary.',
          'summary: A summary.\nsources: [{ title: x, url: "javascript:alert(1)" }]',
        ),
      ),
    ).toMatch(/sources\.0\.url/);
    expect(
      fail('broken.md', valid.replace('desk: The desk', 'desk: The desk\ncolour: red')),
    ).toMatch(/colour/);
    expect(fail('Bad Name.md', valid)).toMatch(/file name/);
    expect(fail('empty.md', valid.replace('Body.', ''))).toMatch(/body/);
  });

  it('drops raw HTML from markdown: article HTML goes into every email', () => {
    const article = parseArticle(
      'x.md',
      valid.replace('Body.', 'Hello <script>alert(1)</script> <img src=x onerror=alert(1)>'),
      topics,
    );
    expect(article.html).not.toMatch(/<script|onerror/);
  });
});
