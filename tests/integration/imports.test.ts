/**
 * Imports end to end on the local stack: the file goes to s3rver through the admin API's presigned
 * upload URL (or in the request, when small), the runner reads it back in byte ranges through the
 * S3 adapter, and what the SES emulator received is the proof that each confirmation went once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { systemClock } from '../../functions/core/clock.js';
import { runJobs } from '../../functions/core/jobs/run-jobs.js';
import {
  IMPORT_KIND,
  importDeps,
  importKind,
  startImport,
} from '../../functions/core/subscribers/import-jobs.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import type { LocalStack } from '../../local/stack.js';
import { startTestStack, type StoredEmail, waitFor } from '../support/stack.js';

let stack: LocalStack;
let editor: string;

beforeAll(async () => {
  // The whole rate for transactional mail: the check is exactly-once, at the gateway's 14/s.
  stack = await startTestStack({ TRANSACTIONAL_RATE_SHARE: '1' });
  editor = (
    await createApiKey(stack.deps, {
      name: 'Importer',
      email: 'importer@example.org',
      role: 'editor',
    })
  ).key;
});
afterAll(async () => stack?.close());

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${stack.appUrl}/api/admin${path}`, {
    ...init,
    headers: { authorization: `Bearer ${editor}`, ...init.headers },
  });
const forever = { deadline: Number.POSITIVE_INFINITY };
const HEADER = 'email,topics,frequency,consent,consent_source';

/** An import created through the API, its file PUT to the upload URL it answered. */
async function uploaded(csv: string, options: { start: boolean } = { start: true }) {
  const created = await api('/imports', { method: 'POST' });
  expect(created.status).toBe(201);
  const { id, uploadUrl, state } = (await created.json()) as {
    id: string;
    uploadUrl: string;
    state: string;
  };
  expect(state).toBe('awaiting-upload');
  const put = await fetch(uploadUrl, {
    method: 'PUT',
    headers: { 'content-type': 'text/csv' },
    body: csv,
  });
  expect(put.status).toBe(200);
  if (!options.start) return id;
  const started = await api(`/imports/${id}/start`, { method: 'POST' });
  expect(started.status).toBe(202);
  return id;
}

async function status(id: string) {
  return (await (await api(`/imports/${id}`)).json()) as {
    state: string;
    bytesRead: number;
    size: number;
    report: {
      imported: number;
      confirmationsQueued: number;
      skippedTotal: number;
      errorsTotal: number;
      errors: { line: number; issues: { field: string }[] }[];
      skipped: { line: number; reason: string }[];
    };
  };
}

describe('an import of a file in the blob store', () => {
  it('imports a few thousand rows uploaded by URL, and reports the bad lines by number', async () => {
    const run = Date.now();
    const lines = [HEADER];
    for (let i = 0; i < 4_000; i++)
      lines.push(`big.${run}.${i}@example.com,security,weekly,yes,"the fair, stand ${i}"`);
    lines[10] = 'not an address,security,weekly,yes,form'; // line 11
    lines[1_234] = `big.${run}.1@example.com,security,weekly,yes,form`; // line 1235
    lines[3_000] = `x.${run}@example.com,security,hourly,yes,form`; // line 3001
    lines[3_500] = `y.${run}@example.com,security,weekly,yes,`; // line 3501
    // A quoted field with newlines; the line numbers after it still count physical lines.
    lines.push(`quoted.${run}@example.com,security,weekly,yes,"on paper,\nsigned\nin ink"`);
    lines.push('broken-after-quoted,security');
    // Started through the API, which wakes the job runner (in-process, as the stack runs it).
    const id = await uploaded(`${lines.join('\n')}\n`);
    const { state, report, bytesRead, size } = await waitFor(
      async () => {
        // The local runner runs on kicks only (no schedule in tests): a run out of time leaves
        // the job for the next, as the minute's firing would on AWS.
        await stack.deps.jobKicker?.kick();
        const now = await status(id);
        return now.state === 'done' ? now : undefined;
      },
      'the import',
      100_000,
    );
    expect(state).toBe('done');
    expect(bytesRead).toBe(size);
    expect(report.errors.map((e) => [e.line, e.issues[0]!.field])).toEqual([
      [11, 'email'],
      [3001, 'frequency'],
      [3501, 'consent_source'],
      [4005, 'email'], // after the quoted field's three lines
    ]);
    expect(report.skipped).toEqual([
      { line: 1235, email: `big.${run}.1@example.com`, reason: 'already a subscriber' },
    ]);
    expect(report).toMatchObject({ imported: 3_997, confirmationsQueued: 0 });
    expect(
      (await stack.deps.subscribers.get(subscriberIdFor(`quoted.${run}@example.com`)))?.consent
        .source,
    ).toBe('on paper,\nsigned\nin ink');
  }, 120_000);

  it('killed mid-page and taken over after its lease, mails each confirmation once and counts each row once', async () => {
    const run = Date.now();
    const pending = Array.from({ length: 150 }, (_, i) => `kill.${run}.${i}@example.com`);
    const rows = [HEADER];
    for (let i = 0; i < 1_350; i++)
      rows.push(`kill.${run}.c${i}@example.com,security,weekly,yes,signup form`);
    // The rows needing a confirmation, spread through both pages (a page is 1,000 lines).
    for (const [i, email] of pending.entries()) rows.splice(1 + i * 10, 0, `${email},security`);
    // Queued without waking the stack's runner: the test runs the runners itself.
    const id = await uploaded(`${rows.join('\n')}\n`, { start: false });
    const deps = importDeps(stack.deps);
    await startImport({ ...deps, jobKicker: undefined }, id);
    // Runners that see this job only (the stack's table holds the other tests' jobs too).
    const jobs = Object.assign(Object.create(deps.jobs), {
      due: async (now: Date) => (await deps.jobs.due(now, 100)).filter((j) => j.id === id),
    });
    const runner = (kindDeps: typeof deps, owner: string) =>
      runJobs(
        { jobs, clock: systemClock, kinds: { [IMPORT_KIND]: importKind }, kindDeps },
        { ...forever, owner, leaseMs: 3_000 },
      );
    // The 1,200th create lands, then the runner dies: it never answers and never saves again.
    let creates = 0;
    const dying = {
      ...deps,
      subscribers: Object.assign(Object.create(deps.subscribers), {
        create: async (...args: Parameters<typeof deps.subscribers.create>) => {
          const created = await deps.subscribers.create(...args);
          if (++creates === 1_200) await new Promise(() => {});
          return created;
        },
      }),
    };
    void runner(dying, 'dies');
    await waitFor(async () => (creates >= 1_200 ? true : undefined), 'the kill', 60_000);
    expect((await status(id)).state).toBe('running');
    expect(await runner(deps, 'next')).toMatchObject({ steps: 0 }); // the lease still holds
    await new Promise((r) => setTimeout(r, 3_100));
    expect(await runner(deps, 'next')).toMatchObject({ finished: [id] });

    expect((await status(id)).report).toMatchObject({
      imported: 1_350,
      confirmationsQueued: 150,
      skippedTotal: 0,
      errorsTotal: 0,
    });
    const received = await waitFor(
      async () => {
        await stack.outbox?.settled();
        const { emails } = (await (await fetch(`${stack.sesEndpoint}/store`)).json()) as {
          emails: StoredEmail[];
        };
        const ours = emails.filter((e) =>
          e.destination.to.some((to) => to.includes(`kill.${run}.`)),
        );
        return ours.length >= 150 ? ours : undefined;
      },
      'the confirmations',
      60_000,
    );
    await new Promise((r) => setTimeout(r, 1_000)); // time for a duplicate to show, were there one
    const to = received.flatMap((e) => e.destination.to);
    expect(to.sort()).toEqual([...pending].sort());
  }, 120_000);

  it('imports a small file posted as text/csv at once, and answers its report', async () => {
    const email = `direct.${Date.now()}@example.com`;
    const response = await api('/imports', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: `${HEADER}\n${email},security,daily,yes,phone call\nbroken,,,,\n`,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      state: 'done',
      report: { imported: 1, errors: [{ line: 3, issues: [{ field: 'email' }] }] },
    });
  });
});
