/**
 * Bad input on the admin API (/api/admin/issues…): forged and malformed credentials, and, with a
 * real editor key, generated bodies, ids, dates and query strings. The same properties as the
 * public endpoints (no 5xx, JSON rejections naming a field and a reason), and every issue the run
 * created is still well-formed when read back.
 */
import fc from 'fast-check';
import * as z from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import type { LocalStack } from '../../local/stack.js';
import { startTestStack } from '../support/stack.js';
import { hostileString, sendChecked, type Sent, tally } from './fuzz-support.js';
import { quietLogger } from '../support/logger.js';

let stack: LocalStack;
let app: ReturnType<typeof createAdminApp>;
let editor: string;
let viewer: string;
const created = new Set<string>();

beforeAll(async () => {
  stack = await startTestStack();
  app = createAdminApp(stack.deps, { logger: quietLogger() });
  editor = (
    await createApiKey(stack.deps, {
      name: 'Fuzz editor',
      email: 'fuzz.editor@example.org',
      role: 'editor',
    })
  ).key;
  viewer = (
    await createApiKey(stack.deps, {
      name: 'Fuzz viewer',
      email: 'fuzz.viewer@example.org',
      role: 'viewer',
    })
  ).key;
});
afterAll(async () => {
  console.log(
    `fuzz-admin: ${tally.requests} requests, statuses ${JSON.stringify(tally.statuses)}, ${created.size} issues created`,
  );
  await stack?.close();
});

const send = (sent: Sent) => sendChecked(app, sent);

const SLUG = 'nato-western-balkans-stability';
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, true, 0, -1, '', [], {}),
);
const segment = fc
  .oneof(hostileString, fc.constantFrom(`article-${SLUG}`, 'x', '..', '%2e%2e', 'a'.repeat(300)))
  .map((s) => {
    try {
      return encodeURIComponent(s);
    } catch {
      return '%ED%A0%80';
    }
  });
const query = fc.oneof(
  fc.constant(''),
  fc.constantFrom(
    '?state=draft',
    '?state=sending',
    '?state=__proto__',
    '?state=',
    '?state=draft&state=sent',
  ),
  hostileString.map((s) => `?state=${encodeURIComponent(s.replace(/[\ud800-\udfff]/g, ''))}`),
);

describe('fuzzing the admin API', () => {
  it('credentials: missing, malformed, forged or the wrong role are 401/403 with a reason, never more', async () => {
    const authorization = fc.oneof(
      hostileString.map((s) => s.replace(/[^\t\x20-\x7e]/g, '')),
      fc.constantFrom(
        'Bearer',
        'Bearer ',
        'Basic dXNlcjpwYXNz',
        `Bearer ${editor}x`,
        `Bearer ${editor.slice(0, -1)}`,
        `bearer  ${viewer}`,
        `Bearer ${editor} ${editor}`,
        'Bearer dsp_',
      ),
    );
    const route = fc.constantFrom<[string, string]>(
      ['GET', '/issues'],
      ['POST', '/issues'],
      ['GET', `/issues/article-${SLUG}`],
      ['POST', `/issues/article-${SLUG}/send`],
      ['POST', `/issues/article-${SLUG}/cancel`],
    );
    await fc.assert(
      fc.asyncProperty(authorization, route, async (auth, [method, path]) => {
        const response = await send({
          method,
          path: `/api/admin${path}`,
          headers: { authorization: auth, 'content-type': 'application/json' },
          body: method === 'POST' ? JSON.stringify({ article: SLUG }) : undefined,
        });
        // A well-formed key of either role can get through; anything else cannot.
        const genuine = auth.trim().match(/^bearer\s+(\S+)$/i)?.[1];
        if (genuine !== editor && genuine !== viewer) expect(response.status).toBe(401);
        if (genuine === viewer && method === 'POST') expect(response.status).toBe(403);
      }),
      { numRuns: 400 },
    );
  });

  it('POST /issues with an editor key: generated bodies, content types and ids', async () => {
    const body = fc.record(
      {
        article: fc.oneof(fc.constant(SLUG), anyValue),
        subject: anyValue,
        editorNote: fc.oneof(
          anyValue,
          fc.integer({ min: 4000, max: 6000 }).map((n) => 'n'.repeat(n)),
        ),
        topics: fc.oneof(
          anyValue,
          fc.array(fc.oneof(fc.constantFrom('security', 'politics'), hostileString), {
            maxLength: 4,
          }),
        ),
        frequencies: fc.oneof(
          anyValue,
          fc.array(fc.constantFrom('immediate', 'daily', 'weekly', 'hourly'), { maxLength: 4 }),
        ),
        id: fc.oneof(anyValue, fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/)),
      },
      { requiredKeys: [] },
    );
    // Mostly acceptable bodies with hostile free text, so issues do get created and read back.
    const acceptable = fc.record({
      article: fc.constant(SLUG),
      subject: hostileString.map(
        (s) =>
          s
            .replace(/[\r\n]/g, ' ')
            .trim()
            .slice(0, 200) || 'x',
      ),
      editorNote: hostileString.map((s) => s.slice(0, 5000)),
      id: fc.uuid().map((u) => `fuzz-${u}`),
    });
    const raw = fc.oneof(
      { weight: 5, arbitrary: body.map((b) => JSON.stringify(b)) },
      { weight: 3, arbitrary: acceptable.map((b) => JSON.stringify(b)) },
      { weight: 1, arbitrary: fc.string({ maxLength: 100 }) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('[]', 'null', '{"__proto__":{"role":"editor"}}', ''),
      },
    );
    const type = fc.constantFrom(
      'application/json',
      'application/json',
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
    );
    await fc.assert(
      fc.asyncProperty(raw, type, async (b, t) => {
        const response = await send({
          method: 'POST',
          path: '/api/admin/issues',
          headers: { authorization: `Bearer ${editor}`, 'content-type': t },
          body: b,
        });
        if (response.status === 201)
          created.add(((await response.json()) as { issue: { id: string } }).issue.id);
      }),
      { numRuns: 700 },
    );
  });

  it('issue actions and reads with an editor key: generated ids, dates, bodies and query strings', async () => {
    const action = fc.constantFrom('schedule', 'send', 'pause', 'resume', 'cancel', '');
    const at = fc.oneof(
      anyValue,
      fc
        .date({ noInvalidDate: false })
        .map((d) => (Number.isNaN(d.getTime()) ? 'Invalid Date' : d.toISOString())),
      fc.constantFrom(
        '2099-01-01T00:00:00Z',
        '1970-01-01T00:00:00Z',
        '+275760-09-13T00:00:00.000Z',
        '2026-02-30',
        'tomorrow',
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          segment,
          fc.constantFrom(...(created.size > 0 ? [...created].slice(0, 5) : [`article-${SLUG}`])),
        ),
        action,
        at,
        query,
        async (id, act, when, q) => {
          const path = `/api/admin/issues/${id}${act ? `/${act}` : ''}`;
          if (act)
            await send({
              method: 'POST',
              path,
              headers: { authorization: `Bearer ${editor}`, 'content-type': 'application/json' },
              body: JSON.stringify({ at: when }),
            });
          else
            await send({
              method: 'GET',
              path: `${path}${q}`,
              headers: { authorization: `Bearer ${editor}` },
            });
        },
      ),
      { numRuns: 900 },
    );
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        await send({
          method: 'GET',
          path: `/api/admin/issues${q}`,
          headers: { authorization: `Bearer ${viewer}` },
        });
      }),
      { numRuns: 200 },
    );
  }, 60_000);

  it('PATCH /issues/{id} with an editor key: generated edits leave every issue well-formed, or are refused with a 4xx', async () => {
    const edit = fc.record(
      {
        article: fc.oneof(fc.constant(SLUG), anyValue),
        subject: fc.oneof(
          anyValue,
          hostileString.map((s) => s.slice(0, 200)),
        ),
        editorNote: fc.oneof(
          anyValue,
          hostileString.map((s) => s.slice(0, 5000)),
        ),
        topics: fc.oneof(
          anyValue,
          fc.array(fc.oneof(fc.constantFrom('security', 'economy'), hostileString), {
            maxLength: 4,
          }),
        ),
        frequencies: fc.oneof(
          anyValue,
          fc.array(fc.constantFrom('immediate', 'daily', 'weekly', 'hourly'), { maxLength: 4 }),
        ),
        version: fc.oneof(anyValue, fc.integer({ min: -1, max: 5 })),
      },
      { requiredKeys: [] },
    );
    // Past the five the actions above moved on: mostly drafts, so edits do land.
    const ids = [...created].slice(5, 13);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(segment, fc.constantFrom(...(ids.length ? ids : [`article-${SLUG}`]))),
        fc.oneof(
          { weight: 4, arbitrary: edit.map((b) => JSON.stringify(b)) },
          { weight: 1, arbitrary: fc.constantFrom('[]', 'null', '', '{"state":"sent"}') },
        ),
        async (id, b) => {
          await send({
            method: 'PATCH',
            path: `/api/admin/issues/${id}`,
            headers: { authorization: `Bearer ${editor}`, 'content-type': 'application/json' },
            body: b,
          });
        },
      ),
      { numRuns: 500 },
    );
  }, 60_000);

  it('every issue the run created reads back well-formed: one-line subject, known state and audience', async () => {
    const schema = z
      .object({
        id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
        subject: z
          .string()
          .min(1)
          .max(200)
          .regex(/^[^\r\n]*$/),
        editorNote: z.string().max(5000).optional(),
        state: z.enum(['draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled']),
        audience: z.object({
          topics: z.array(z.enum(['security', 'politics', 'economy'])).min(1),
          frequencies: z.array(z.enum(['immediate', 'daily', 'weekly'])).min(1),
        }),
        version: z.number().int().min(1),
      })
      .loose();
    expect(created.size).toBeGreaterThan(0);
    for (const id of created) {
      const issue = await stack.deps.issues.get(id);
      const parsed = schema.safeParse(issue);
      expect(parsed.success, `${id}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    }
  });
});
