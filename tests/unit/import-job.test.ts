import { describe, expect, it } from 'vitest';
import { drainOutbox } from '../../functions/core/outbox/drain.js';
import { type ImportCheckpoint, importStep } from '../../functions/core/subscribers/import-job.js';
import { readOptions } from '../../functions/core/subscribers/import-reader.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import { memoryDeliveryDeps } from '../support/builders.js';
import { MemoryBlobStore } from '../support/fakes/memory-blob-store.js';
import { importText } from '../support/imports.js';

const consented = (i: number) => `reader.${i}@example.com,security,weekly,yes,"Signup form, 2024"`;
const HEADER = 'email,topics,frequency,consent,consent_source';

describe('an import from the blob store', () => {
  it('imports a few thousand rows and reports the bad ones by the line they are on', async () => {
    const deps = memoryDeliveryDeps();
    const lines = [HEADER];
    for (let i = 0; i < 3_000; i++) lines.push(consented(i));
    lines[100] = 'not-an-address,security,weekly,yes,form'; // line 101
    lines[2_000] = 'reader.5@example.com,security,weekly,yes,form'; // line 2001: a duplicate
    lines[2_500] = 'late@example.com,nonsense,weekly,yes,form'; // line 2501
    await deps.suppressions.suppress('reader.7@example.com', 'bounce', new Date()); // line 9
    const blobs = new MemoryBlobStore();
    const report = await importText({ ...deps, blobs }, `${lines.join('\r\n')}\r\n`);

    expect(report).toMatchObject({ imported: 2_996, confirmationsQueued: 0 });
    expect(report.errors.map((e) => e.line)).toEqual([101, 2501]);
    expect(report.errors[0]!.issues[0]!.field).toBe('email');
    expect(report.errors[1]!.issues[0]!.field).toBe('topics');
    expect(report.skipped).toEqual([
      {
        line: 9,
        email: 'reader.7@example.com',
        reason: 'suppressed (bounced, complained or erased)',
      },
      { line: 2001, email: 'reader.5@example.com', reason: 'already a subscriber' },
    ]);
    expect(Math.max(...blobs.reads.map((r) => r.end - r.start))).toBeLessThanOrEqual(
      readOptions.rangeBytes,
    );
    expect((await deps.subscribers.counts())['state:confirmed']).toBe(2_996);
  });

  it('parses a quoted field with newlines that straddles two ranges, and counts lines after it', async () => {
    const deps = memoryDeliveryDeps();
    const text = [
      HEADER,
      'a@example.com,security,weekly,yes,"met at the fair,\nsaid ""yes"" on paper,\nsigned"',
      '',
      'bad,security',
      'b@example.com,security,weekly,yes,form',
    ].join('\n');
    // Ranges of 16 bytes: the quoted field is spread over several, and no read ends at a record.
    const report = await importText(deps, text, { rangeBytes: 16 });
    expect(report).toMatchObject({ imported: 2, errorsTotal: 1 });
    expect(report.errors[0]!.line).toBe(6);
    expect((await deps.subscribers.get(subscriberIdFor('a@example.com')))!.consent.source).toBe(
      'met at the fair,\nsaid "yes" on paper,\nsigned',
    );
  });

  it('reports a line whose quote never closes and goes on with the rest', async () => {
    const deps = memoryDeliveryDeps();
    const text = `${HEADER}\na@example.com,security,weekly,yes,"unclosed\nb@example.com,security,weekly,yes,form\n`;
    const report = await importText(deps, text, { rangeBytes: 16, maxRecordBytes: 64 });
    expect(report.errors.map((e) => e.line)).toEqual([2]);
    expect(report.imported).toBe(1);
  });

  it('caps the rows it lists, and counts them all', async () => {
    const deps = memoryDeliveryDeps();
    const bad = Array.from({ length: 700 }, (_, i) => `bad-${i},security`);
    const report = await importText(deps, `email,topics\n${bad.join('\n')}`);
    expect(report.errors).toHaveLength(500);
    expect(report.errorsTotal).toBe(700);
    expect(report.errors.at(-1)!.line).toBe(501);
  });

  it('refuses a file without an email column, naming the file', async () => {
    const deps = memoryDeliveryDeps();
    await expect(importText(deps, 'name,topics\nx,security\n')).rejects.toMatchObject({
      details: { issues: [{ field: 'file', message: 'has no email column' }] },
    });
  });

  it('resumed after a step died mid-page, imports each reader and queues each confirmation once', async () => {
    const deps = memoryDeliveryDeps();
    const rows = Array.from({ length: 2_500 }, (_, i) => `pending.${i}@example.com,security`);
    const blobs = new MemoryBlobStore();
    await blobs.put('imports/j1.csv', `email,topics\n${rows.join('\n')}\n`, 'text/csv');
    const input = {
      jobId: 'j1',
      key: 'imports/j1.csv',
      size: (await blobs.size('imports/j1.csv'))!,
    };
    // The 1,400th create lands, then the step dies before it saves its checkpoint.
    const create = deps.subscribers.create.bind(deps.subscribers);
    let creates = 0;
    deps.subscribers.create = async (s) => {
      const created = await create(s);
      if (++creates === 1_400) throw new Error('killed');
      return created;
    };
    let saved: ImportCheckpoint | undefined;
    let deaths = 0;
    for (;;) {
      try {
        const step = await importStep({ ...deps, blobs }, input, saved);
        saved = step.checkpoint;
        if (step.done) break;
      } catch (error) {
        expect((error as Error).message).toBe('killed');
        deaths++;
      }
    }
    expect(deaths).toBe(1);
    expect(saved!.report).toMatchObject({
      confirmationsQueued: 2_500,
      skippedTotal: 0,
      errorsTotal: 0,
    });
    await drainOutbox(deps);
    expect(deps.mailer.sent).toHaveLength(2_500);
    expect(new Set(deps.mailer.sent.map((m) => m.to)).size).toBe(2_500);
  });
});
