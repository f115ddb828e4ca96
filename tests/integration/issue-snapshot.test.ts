/**
 * An issue is a snapshot: a correction saved while it is sending changes the web page at once,
 * and not one email of that issue. Two senders share the issue as the fleet does (one holds half
 * the shards while the other sends the rest); the second starts its run after the correction, so
 * a sender that rendered from the catalog would mail the corrected text to its half. What the SES
 * emulator received says which text each reader got.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, cp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createArticle,
  publishArticle,
  updateArticle,
} from '../../functions/core/articles/manage.js';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../../functions/config.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import { shardsOf } from '../../functions/core/issues/issue.js';
import { createArticleIssue, sendIssueNow } from '../../functions/core/issues/manage-issues.js';
import {
  SEND_SHARDS,
  sendShardOf,
  type Subscriber,
} from '../../functions/core/subscribers/subscriber.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber } from '../support/builders.js';
import { quietLogger } from '../support/logger.js';
import { emailsTo, startTestStack, waitFor } from '../support/stack.js';

let stack: LocalStack;
beforeAll(async () => {
  const contentDir = join(await mkdtemp(join(tmpdir(), 'dispatch-content-')), 'content');
  await cp('content', contentDir, { recursive: true });
  // A content/ file (no size cap of its own) too long for an issue's snapshot item: random text,
  // which barely compresses.
  await writeFile(
    join(contentDir, 'too-long.md'),
    `---\ntitle: "The whole archive"\ndate: 2026-12-01\nsummary: Everything.\ntopics: [economy]\ndesk: Archive desk\n---\n\n${randomBytes(600_000).toString('base64')}\n`,
  );
  stack = await startTestStack({ CONTENT_DIR: contentDir });
}, 60_000);
afterAll(async () => {
  await stack?.close();
});

const by = 'ed@newsroom.example';
const source = (body: string) =>
  `---\ntitle: "The bridge reopens"\ndate: 2026-12-01\nsummary: The bridge, in brief.\ntopics: [politics]\ndesk: Politics desk\n---\n\n${body}\n`;
/** A sender as a Lambda starts one: its own catalog, its own renders (the stack's settings). */
const sender = () =>
  buildDeliveryDeps(parseConfig(process.env), new MjmlIssueRenderer('templates'), quietLogger());
const ORIGINAL = 'The bridge reopens on Monday.';
const CORRECTED = 'The bridge reopens on Tuesday.';

describe('a correction while an issue is sending', () => {
  it('changes the web page, and every reader of the issue gets the text it started with', async () => {
    await createArticle(stack.deps, { slug: 'bridge', source: source(ORIGINAL), by });
    await publishArticle(stack.deps, { slug: 'bridge', version: 1, by });
    const shards = SEND_SHARDS;
    const first = (s: number) => s % 2 === 0; // the first sender's half of the shards
    // Readers in both halves, so each sender has someone to mail.
    const readers: Subscriber[] = [];
    while (
      readers.filter((r) => first(sendShardOf(r.id, shards))).length < 3 ||
      readers.filter((r) => !first(sendShardOf(r.id, shards))).length < 3
    )
      readers.push(aSubscriber({ frequency: 'immediate', topics: ['politics'] }));
    for (const reader of readers) await stack.deps.subscribers.create(reader);
    const created = await createArticleIssue(stack.deps, { article: 'bridge' });
    const { issue } = await sendIssueNow(stack.deps, created.id);
    expect(shardsOf(issue)).toBe(shards);

    // Another sender holds the second half while the first sends its own.
    const other = 'sender-b';
    const now = () => stack.deps.clock.now();
    const later = new Date(now().getTime() + 10 * 60_000);
    const secondHalf = [...Array(shards).keys()].filter((s) => !first(s));
    for (const s of secondHalf)
      expect(await stack.deps.issues.claimShard(issue.id, s, other, now(), later)).toBeDefined();
    expect((await runWorker(await sender(), { workerId: 'sender-a' })).stoppedBecause).toBe('idle');
    const inbox = async (r: Subscriber) => emailsTo(stack.sesEndpoint, r.email);
    for (const r of readers)
      expect(await inbox(r)).toHaveLength(first(sendShardOf(r.id, shards)) ? 1 : 0);
    expect((await stack.deps.issues.get(issue.id))?.state).toBe('sending');

    // The correction, mid-send: on the web within the catalog's seconds.
    await updateArticle(stack.deps, { slug: 'bridge', source: source(CORRECTED), version: 2, by });
    await waitFor(async () => {
      const page = await (await fetch(`${stack.appUrl}/articles/bridge`)).text();
      return page.includes(CORRECTED) ? true : undefined;
    }, 'the corrected page');

    // The second sender's lease runs out; a fresh sender run (no render of its own yet) sends
    // the rest and finishes the issue.
    for (const s of secondHalf)
      await stack.deps.issues.claimShard(issue.id, s, other, now(), now());
    expect((await runWorker(await sender(), { issueId: issue.id })).stoppedBecause).toBe(
      'issue_finished',
    );

    for (const r of readers) {
      const mail = await inbox(r);
      expect(mail, r.email).toHaveLength(1);
      expect(mail[0]!.body.html).toContain(ORIGINAL);
      expect(mail[0]!.body.html).not.toContain(CORRECTED);
      expect(mail[0]!.body.text).toContain(ORIGINAL);
    }
    const page = await (await fetch(`${stack.appUrl}/articles/bridge`)).text();
    expect(page).toContain(CORRECTED);
    expect(page).not.toContain(ORIGINAL);
  }, 120_000);
});

describe('an article too long to keep in an issue', () => {
  it('pauses the issue with a message naming the article, and mails no one', async () => {
    const reader = aSubscriber({ frequency: 'immediate', topics: ['economy'] });
    await stack.deps.subscribers.create(reader);
    const created = await createArticleIssue(stack.deps, { article: 'too-long' });
    const { issue } = await sendIssueNow(stack.deps, created.id);
    await runWorker(await sender(), { issueId: issue.id });
    const paused = await stack.deps.issues.get(issue.id);
    expect(paused?.state).toBe('paused');
    expect(paused?.pause?.message).toMatch(/"too-long" is too long to send as one issue/);
    expect(await emailsTo(stack.sesEndpoint, reader.email)).toEqual([]);
  }, 120_000);
});
