/**
 * CSV exports as background jobs on the local stack (dynalite, s3rver): a job killed mid-way
 * resumes and its file, downloaded through the signed link as an editor's browser would, holds
 * every reader exactly once; the link expires; the workspace shows the export's progress.
 */
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/adapters/dynamo/client.js';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { runJobs } from '../../functions/core/jobs/run-jobs.js';
import type { BlobStore } from '../../functions/core/ports.js';
import {
  type ExportCheckpoint,
  exportKind,
  startExport,
  viewExport,
} from '../../functions/core/subscribers/export-job.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber } from '../support/builders.js';
import { seedReaders } from '../support/seed-readers.js';
import { startTestStack } from '../support/stack.js';

let stack: LocalStack;
/** Enough readers, with long consent sources, for three parts of at least 5 MiB. */
const READERS = 20_000;
const hostile = ['=HYPERLINK("https://evil.example")', '+1+1', '-2+3', '@SUM(A1)', '\tTab', '\rCR'];
const emailOf = (i: number) => `export.${i}@example.com`;

beforeAll(async () => {
  stack = await startTestStack();
  const client = createDocumentClient({ endpoint: stack.dynamodbEndpoint });
  await seedReaders(client, stack.env.TABLE_NAME!, READERS, (i) =>
    aSubscriber({
      email: emailOf(i),
      state: i % 10 === 0 ? 'pending' : 'confirmed',
      ...(i % 3 === 0 && {
        name: `Reader ${i}`,
        fields: { city: 'Tirana', print_subscriber: true },
      }),
      consent: {
        at: '2026-11-01T00:00:00.000Z',
        form: 'import',
        source: i < hostile.length ? hostile[i]! : `a paper form at the fair, ${'x'.repeat(420)}`,
      },
    }),
  );
  client.destroy();
}, 120_000);
afterAll(async () => stack?.close());

/** A clock the test moves past a failed step's backoff. */
const clock = () => {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms: number) => (offset += ms) };
};
const runner = (blobs: BlobStore, time: ReturnType<typeof clock>) => ({
  jobs: stack.deps.jobs,
  clock: time,
  kinds: { export: exportKind },
  kindDeps: { directory: stack.deps.directory, subscribers: stack.deps.subscribers, blobs },
});
/** An export created without waking the stack's runner: the test runs it. */
const unkickedExport = () =>
  startExport({ ...stack.deps, jobKicker: undefined }, 'test', randomUUID());
const rowsOf = async (url: string) => {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return parse(await response.text(), { columns: true }) as Record<string, string>[];
};

describe('a CSV export', () => {
  it('killed after uploading a part it had not recorded, resumes from its last checkpoint: every reader exactly once', async () => {
    const blobs = stack.deps.blobs!;
    const job = await unkickedExport();
    expect(job.progress.total).toBe(READERS);
    // The runner dies right after S3 took part 2, before the checkpoint recorded it.
    let killed = false;
    const dying: BlobStore = Object.assign(Object.create(blobs), {
      uploadPart: async (...args: Parameters<BlobStore['uploadPart']>) => {
        const part = await blobs.uploadPart(...args);
        if (args[2] === 2 && !killed) {
          killed = true;
          throw new Error('killed after part 2');
        }
        return part;
      },
    });
    const time = clock();
    await runJobs(runner(dying, time), { deadline: Date.now() + 60_000, owner: 'first' });
    const midway = (await stack.deps.jobs.get(job.id))!;
    expect(killed).toBe(true);
    expect(midway).toMatchObject({
      state: 'running',
      attempts: 1,
      error: 'Error: killed after part 2',
    });
    const checkpoint = midway.checkpoint as ExportCheckpoint;
    expect(checkpoint.parts.map((p) => p.partNumber)).toEqual([1]);
    expect(midway.progress.done).toBe(checkpoint.rows);
    expect(checkpoint.rows).toBeGreaterThan(0);

    time.advance(5_000);
    await runJobs(runner(blobs, time), { deadline: Date.now() + 60_000, owner: 'second' });
    const done = (await stack.deps.jobs.get(job.id))!;
    expect(done).toMatchObject({ state: 'done', progress: { done: READERS } });
    expect((done.checkpoint as ExportCheckpoint).parts.length).toBeGreaterThanOrEqual(3);

    const view = await viewExport(stack.deps, done);
    expect(view.download!.filename).toMatch(/^subscribers-\d{4}-\d\d-\d\d\.csv$/);
    const rows = await rowsOf(view.download!.url);
    expect(rows).toHaveLength(READERS);
    const emails = new Set(rows.map((r) => r.email));
    expect(emails.size).toBe(READERS);
    for (let i = 0; i < READERS; i++) expect(emails.has(emailOf(i)), emailOf(i)).toBe(true);
    // Formula-looking cells come back quoted, so a spreadsheet shows them as text.
    const sources = new Map(rows.map((r) => [r.email, r.consent_source]));
    for (const [i, h] of hostile.entries()) expect(sources.get(emailOf(i))).toBe(`'${h}`);
    expect(rows.find((r) => r.email === emailOf(10))).toMatchObject({ state: 'pending' });
    // The name and a column per declared field (content/fields.json), as an import reads them back.
    expect(rows.find((r) => r.email === emailOf(9))).toMatchObject({
      name: 'Reader 9',
      'fields.city': 'Tirana',
      'fields.print_subscriber': 'yes',
    });
    expect(rows.find((r) => r.email === emailOf(11))).toMatchObject({
      name: '',
      'fields.city': '',
      'fields.print_subscriber': '',
    });
  }, 120_000);

  it('gives a download link that expires, a new one on the next view, and none once the file is deleted', async () => {
    const job = await unkickedExport();
    await runJobs(runner(stack.deps.blobs!, clock()), {
      deadline: Date.now() + 60_000,
      owner: 'r',
    });
    const done = (await stack.deps.jobs.get(job.id))!;
    const short = await viewExport(stack.deps, done, 1);
    expect((await fetch(short.download!.url)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2_100));
    const expired = await fetch(short.download!.url);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('Request has expired');
    const fresh = await viewExport(stack.deps, done);
    expect(fresh.download!.url).not.toBe(short.download!.url);
    expect((await fetch(fresh.download!.url)).status).toBe(200);
    expect(Date.parse(fresh.download!.expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
    // Once S3's lifecycle rule has deleted the file, no link is offered for it.
    await stack.deps.blobs!.delete(String(done.result!.key));
    expect(await viewExport(stack.deps, done)).toMatchObject({ state: 'done', fileGone: true });
    expect((await viewExport(stack.deps, done)).download).toBeUndefined();
  }, 120_000);

  it('shows its progress in the workspace (reloading itself), then the link; the form starts one', async () => {
    const { key } = await createApiKey(stack.deps, {
      name: 'Export editor',
      email: 'export.editor@example.org',
      role: 'editor',
    });
    const signedIn = await fetch(`${stack.appUrl}/admin/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ key }).toString(),
      redirect: 'manual',
    });
    const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
    const get = async (path: string) => {
      const response = await fetch(`${stack.appUrl}${path}`, { headers: { cookie } });
      expect(response.status, path).toBe(200);
      return response.text();
    };

    // One step (the upload started) and one part: the page shows the rows so far.
    const job = await unkickedExport();
    const time = clock();
    const oneStepAtATime = async () => {
      const before = (await stack.deps.jobs.get(job.id))!;
      const outcome = await exportKind.step(runner(stack.deps.blobs!, time).kindDeps, before);
      await stack.deps.jobs.save({
        ...before,
        state: outcome.done ? 'done' : 'running',
        checkpoint: outcome.checkpoint,
        progress: outcome.progress,
        result: outcome.result,
        version: before.version + 1,
      });
    };
    await oneStepAtATime();
    await oneStepAtATime();
    const rowsSoFar = (await stack.deps.jobs.get(job.id))!.progress.done;
    expect(rowsSoFar).toBeGreaterThan(0);
    expect(rowsSoFar).toBeLessThan(READERS);
    const running = await get(`/admin/exports/${job.id}`);
    expect(running).toMatch(/<meta http-equiv="refresh" content="3"/);
    expect(running).toContain(
      `Export running: ${rowsSoFar.toLocaleString('en')} of about ${READERS.toLocaleString('en')} subscribers so far`,
    );
    expect(await get('/admin/subscribers')).toContain(
      `${rowsSoFar.toLocaleString('en')} of about ${READERS.toLocaleString('en')} subscribers so far`,
    );

    while ((await stack.deps.jobs.get(job.id))!.state !== 'done') await oneStepAtATime();
    const finished = await get(`/admin/exports/${job.id}`);
    expect(finished).not.toMatch(/http-equiv="refresh"/);
    const link = /<a href="([^"]+)" download="subscribers-[^"]+\.csv">/.exec(finished)?.[1];
    expect(link, finished).toBeDefined();
    expect(await rowsOf(link!.replaceAll('&amp;', '&'))).toHaveLength(READERS);

    // The subscribers page's form: a 303 to the new export's page, run at once by the stack.
    const page = await get('/admin/subscribers');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)![1]!;
    const started = await fetch(`${stack.appUrl}/admin/exports`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
      redirect: 'manual',
    });
    expect(started.status).toBe(303);
    const location = started.headers.get('location')!;
    expect(location).toMatch(/^\/admin\/exports\/[0-9a-f-]{36}$/);
    const deadline = Date.now() + 60_000;
    let text = await get(location);
    while (!text.includes('ready:') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      text = await get(location);
    }
    expect(text).toContain(`Export of ${READERS.toLocaleString('en')} subscribers ready:`);
  }, 180_000);
});
