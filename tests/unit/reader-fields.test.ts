import { describe, expect, it } from 'vitest';
import { type ArticleError, parseArticle } from '../../functions/core/content/article.js';
import { preparePersonalization } from '../../functions/core/email/personalize.js';
import { DomainError } from '../../functions/core/errors.js';
import { createArticleIssue } from '../../functions/core/issues/manage-issues.js';
import { readerLinks } from '../../functions/core/links.js';
import { fieldsFileSchema, type FieldDefinition } from '../../functions/core/subscribers/fields.js';
import { updatePreferences } from '../../functions/core/subscribers/manage.js';
import { subscriberData, eraseSubscriber } from '../../functions/core/subscribers/personal-data.js';
import { subscribe } from '../../functions/core/subscribers/subscribe.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import { MemoryJobRepository } from '../support/fakes/memory-jobs.js';
import {
  anArticle,
  aPublication,
  memoryDeliveryDeps,
  tokenOf,
  uniqueEmail,
} from '../support/builders.js';
import { importText } from '../support/imports.js';

const fields: FieldDefinition[] = [
  { key: 'city', label: 'City', type: 'text', visibility: 'public', maxLength: 20 },
  { key: 'age', label: 'Age', type: 'number', visibility: 'public' },
  { key: 'born', label: 'Born', type: 'date', visibility: 'public' },
  {
    key: 'edition',
    label: 'Edition',
    type: 'choice',
    options: ['north', 'south'],
    visibility: 'public',
  },
  { key: 'vip', label: 'VIP', type: 'boolean', visibility: 'editor' },
];
const withFields = () => {
  const deps = memoryDeliveryDeps();
  return { ...deps, publication: aPublication({ fields }) };
};
const refusal = async (run: Promise<unknown>) => {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return (error as DomainError).details.issues;
};

describe('content/fields.json', () => {
  it('refuses a choice without options, a duplicate key and a key that is not a slug', () => {
    const parsed = fieldsFileSchema.safeParse([
      { key: 'city', label: 'City', type: 'choice' },
      { key: 'city', label: 'Again', type: 'text' },
      { key: 'Bad Key', label: 'Bad', type: 'text' },
    ]);
    expect(parsed.success).toBe(false);
    const paths = parsed.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['0.options', '2.key']));
  });
});

describe('a name and fields at signup', () => {
  it('stores them trimmed and typed; a form or CSV cell converts', async () => {
    const deps = withFields();
    const email = uniqueEmail();
    await subscribe(
      deps,
      {
        email,
        name: '  Ana  ',
        fields: { city: 'Tirana', age: '41', born: '1985-02-28', edition: 'north' },
      },
      'hosted',
    );
    expect(await deps.subscribers.get(subscriberIdFor(email))).toMatchObject({
      name: 'Ana',
      fields: { city: 'Tirana', age: 41, born: '1985-02-28', edition: 'north' },
    });
  });

  it('refuses an unknown field, a wrong type, an editor-only field and a bad name, each by name', async () => {
    const deps = withFields();
    const issues = await refusal(
      subscribe(
        deps,
        {
          email: uniqueEmail(),
          name: 'x'.repeat(101),
          fields: {
            planet: 'Mars',
            age: 'forty',
            born: '2025-02-30',
            edition: 'east',
            city: 'a'.repeat(21),
            vip: true,
          },
        },
        'api',
      ),
    );
    expect(issues!.map((i) => i.field).sort()).toEqual([
      'fields.age',
      'fields.born',
      'fields.city',
      'fields.edition',
      'fields.planet',
      'fields.vip',
      'name',
    ]);
    expect(await deps.subscribers.counts()).toEqual({});
  });

  it('refuses a date the calendar has not (2024-13-45) and a number past 10^15 with a 422, not a 500', async () => {
    const deps = withFields();
    const issues = await refusal(
      subscribe(deps, { email: uniqueEmail(), fields: { born: '2024-13-45', age: 1e200 } }, 'api'),
    );
    expect(issues!.map((i) => i.field).sort()).toEqual(['fields.age', 'fields.born']);
    expect(await deps.subscribers.counts()).toEqual({});
  });

  it('lets an editor (admin add) set an editor-only field', async () => {
    const deps = withFields();
    const email = uniqueEmail();
    await subscribe(deps, { email, fields: { vip: true } }, 'admin');
    expect((await deps.subscribers.get(subscriberIdFor(email)))!.fields).toEqual({ vip: true });
  });

  it('writes the same item for an address whatever its state: the name is in the write either way', async () => {
    const deps = withFields();
    const email = uniqueEmail();
    const writes: unknown[] = [];
    const original = deps.subscribers.writeSignup.bind(deps.subscribers);
    deps.subscribers.writeSignup = async (next, expected) => {
      writes.push(next);
      return original(next, expected);
    };
    await subscribe(deps, { email, name: 'Ana' }, 'hosted');
    const stored = (await deps.subscribers.get(subscriberIdFor(email)))!;
    await deps.subscribers.save({ ...stored, state: 'confirmed', version: stored.version + 1 });
    deps.clock.advance(2 * 60_000);
    await subscribe(deps, { email, name: 'Mallory' }, 'hosted');
    expect(writes).toHaveLength(2);
    expect(writes.map((w) => (w as { name?: string }).name)).toEqual(['Ana', 'Mallory']);
    // The confirmed reader's record is left alone.
    expect((await deps.subscribers.get(subscriberIdFor(email)))!.name).toBe('Ana');
  });
});

describe('the preferences page', () => {
  it('changes the name and public fields, and keeps what only editors set', async () => {
    const deps = withFields();
    const email = uniqueEmail();
    await subscribe(deps, { email, name: 'Ana', fields: { city: 'Tirana', vip: true } }, 'admin');
    const id = subscriberIdFor(email);
    const token = tokenOf(readerLinks(deps.publication, deps.signer, id).preferences);
    await updatePreferences(deps, token, {
      topics: ['security'],
      frequency: 'daily',
      name: '',
      fields: { city: 'Skopje' },
    });
    const stored = (await deps.subscribers.get(id))!;
    expect(stored.name).toBeUndefined();
    expect(stored.fields).toEqual({ city: 'Skopje', vip: true });
    const issues = await refusal(
      updatePreferences(deps, token, {
        topics: ['security'],
        frequency: 'daily',
        fields: { vip: false },
      }),
    );
    expect(issues).toEqual([{ field: 'fields.vip', message: 'is set by editors only' }]);
  });
});

describe('a CSV import', () => {
  it('reads the name and fields.<key> columns, and reports a bad value by its column', async () => {
    const deps = withFields();
    const report = await importText(
      deps,
      [
        'email,name,topics,frequency,consent,consent_source,fields.city,fields.vip',
        'a@example.com,Ana,security,weekly,yes,paper form,Tirana,yes',
        'b@example.com,,security,weekly,yes,paper form,,',
        'c@example.com,Cem,security,weekly,yes,paper form,Tirana,maybe',
      ].join('\n'),
    );
    expect(report).toMatchObject({ imported: 2, errorsTotal: 1 });
    expect(report.errors[0]!.issues).toEqual([
      { field: 'fields.vip', message: 'must be true or false' },
    ]);
    expect(await deps.subscribers.get(subscriberIdFor('a@example.com'))).toMatchObject({
      name: 'Ana',
      fields: { city: 'Tirana', vip: true },
    });
    const b = (await deps.subscribers.get(subscriberIdFor('b@example.com')))!;
    expect(b.name).toBeUndefined();
    expect(b.fields).toBeUndefined();
  });

  it("reads back what the export wrote: a cell it guarded with ' against spreadsheet formulas loses the '", async () => {
    const deps = withFields();
    const report = await importText(
      deps,
      [
        'email,name,topics,frequency,consent,consent_source,fields.city,fields.age',
        "d@example.com,'=Bob,security,weekly,yes,paper form,'-dash,'-5",
      ].join('\n'),
    );
    expect(report).toMatchObject({ imported: 1, errorsTotal: 0 });
    expect(await deps.subscribers.get(subscriberIdFor('d@example.com'))).toMatchObject({
      name: '=Bob',
      fields: { city: '-dash', age: -5 },
    });
  });

  it('refuses a file with a column for an undeclared field, naming it', async () => {
    const deps = withFields();
    const error = await importText(deps, 'email,fields.planet\na@example.com,Mars\n').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).message).toMatch(/"fields\.planet"/);
  });
});

/** The trail's erasure has its own tests (erasure.test.ts); here only the record matters. */
const noTrail = {
  erase: async () => ({
    ledgerEntries: 0,
    receiptsLanded: 0,
    receiptsRemoved: 0,
    issues: 0,
    shards: 0,
    auditEntries: 0,
    idempotencyRecords: 0,
    engagementRecords: 0,
  }),
};

describe("the reader's data", () => {
  it('holds the name and fields in the access export, and loses them with the record on erasure', async () => {
    const deps = withFields();
    const email = uniqueEmail();
    await subscribe(deps, { email, name: 'Ana', fields: { city: 'Tirana' } }, 'hosted');
    const id = subscriberIdFor(email);
    expect(await subscriberData(deps, id)).toMatchObject({
      name: 'Ana',
      fields: { city: 'Tirana' },
    });
    await eraseSubscriber({ ...deps, readerTrail: noTrail, jobs: new MemoryJobRepository() }, id);
    expect(await deps.subscribers.get(id)).toBeUndefined();
    await expect(subscriberData(deps, id)).rejects.toThrow('No such subscriber');
  });
});

describe('merge tags', () => {
  const compiled = {
    html: '<p>Dear %%name|there%%, in %%fields.city|your\ncity%% · %%unsubscribe_url%%</p>',
    text: 'Dear %%name|there%%, in %%fields.city|your\ncity%% · %%unsubscribe_url%%',
  };
  it('fills a value escaped for HTML and plain for text, or the fallback', () => {
    const personalize = preparePersonalization(compiled);
    expect(
      personalize({ name: 'Tom & "Jerry"', 'fields.city': '<b>', unsubscribe_url: 'u' }),
    ).toEqual({
      html: '<p>Dear Tom &#38; &#34;Jerry&#34;, in &#60;b&#62; · u</p>',
      text: 'Dear Tom & "Jerry", in <b> · u',
    });
    expect(personalize({ unsubscribe_url: 'u' })).toEqual({
      html: '<p>Dear there, in your city · u</p>',
      text: 'Dear there, in your city · u',
    });
  });

  const article = (body: string, front = 'title: T\nsummary: S') =>
    `---\n${front}\ndate: 2026-12-01\ntopics: [security]\ndesk: D\n---\n${body}\n`;
  const topics = aPublication().topics;

  it('fails the content check for an unknown tag, one left open, and a tag in the title', () => {
    const problems = (source: string) => {
      try {
        parseArticle('a.md', source, topics, fields);
        return [];
      } catch (error) {
        return (error as ArticleError).issues.map((i) => `${i.field}: ${i.message}`);
      }
    };
    expect(problems(article('Hi %%name|there%%, from %%fields.city%%.'))).toEqual([]);
    expect(problems(article('Hi %%fields.planet|you%%.'))[0]).toMatch(
      /^\(body\): %%fields\.planet\|you%% names no declared field/,
    );
    expect(problems(article('Your link: %%unsubscribe_url%%'))[0]).toMatch(/is not a merge tag/);
    expect(problems(article('Hi %%name|there%.'))[0]).toMatch(/not closed/);
    expect(problems(article('[Your page](https://example.org/?n=%%name%%)'))[0]).toMatch(
      /in a link or image address is not allowed/,
    );
    expect(problems(article('[Hi %%name|you%%](https://example.org/)'))).toEqual([]);
    expect(problems(article('Body.', 'title: Hi %%name%%\nsummary: S'))[0]).toMatch(
      /^title: must not hold merge tags/,
    );
  });

  it('shows a web reader each fallback, and keeps the tags for the email', () => {
    const parsed = parseArticle('a.md', article('Hi %%name|there%%.'), topics, fields);
    expect(parsed.html).toBe('<p>Hi there.</p>\n');
    expect(parsed.emailHtml).toBe('<p>Hi %%name|there%%.</p>\n');
  });

  it('refuses an issue subject with an unknown tag (422 naming subject)', async () => {
    const deps = { ...memoryDeliveryDeps([anArticle()]), publication: aPublication({ fields }) };
    const issues = await refusal(
      createArticleIssue(deps, { article: 'test-article', subject: 'Hi %%fields.nope%%' }),
    );
    expect(issues![0]!.field).toBe('subject');
    await createArticleIssue(deps, { article: 'test-article', subject: 'Hi %%name|you%%' });
  });
});
