import { describe, expect, it } from 'vitest';
import { DomainError } from '../../functions/core/errors.js';
import {
  createSegment,
  deleteSegment,
  getSegment,
  listSegments,
  previewSegment,
  segmentForIssue,
  updateSegment,
} from '../../functions/core/segments/manage.js';
import { MemorySegmentStore } from '../support/fakes/memory-segments.js';
import { MemorySubscriberRepository } from '../support/fakes/memory-subscribers.js';
import { aPublication, aSubscriber, fixedClock } from '../support/builders.js';

function deps() {
  return {
    segments: new MemorySegmentStore(),
    subscribers: new MemorySubscriberRepository(),
    clock: fixedClock('2026-12-01T12:00:00.000Z'),
    publication: aPublication({
      fields: [{ key: 'city', label: 'City', type: 'text', visibility: 'public' }],
    }),
  };
}
const inSkopje = {
  name: 'Skopje',
  rules: [{ kind: 'field', key: 'city', op: 'equals', value: 'Skopje' }],
};

async function refusal(work: Promise<unknown>) {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe('segments: saved, edited, deleted, previewed', () => {
  it('saves, lists, edits over the version read, and deletes a segment', async () => {
    const d = deps();
    const segment = await createSegment(d, inSkopje);
    expect(segment).toMatchObject({ name: 'Skopje', match: 'all', version: 1 });
    expect(segment.id).toMatch(/^seg_[0-9a-f]{32}$/);
    expect(await listSegments(d)).toEqual([segment]);
    const edited = await updateSegment(d, segment.id, { name: 'Skopje readers', version: 1 });
    expect(edited).toMatchObject({ name: 'Skopje readers', rules: segment.rules, version: 2 });
    // A part left out is left as it was: `match` is not reset to its default.
    const any = await updateSegment(d, segment.id, { match: 'any' });
    expect((await updateSegment(d, segment.id, { description: 'City' })).match).toBe('any');
    expect(any.version).toBe(3);
    const stale = await refusal(updateSegment(d, segment.id, { name: 'Blind', version: 1 }));
    expect(stale.code).toBe('conflict');
    expect(stale.message).toContain('version 1, now 4');
    await deleteSegment(d, segment.id);
    expect((await refusal(getSegment(d, segment.id))).code).toBe('not_found');
    expect((await refusal(deleteSegment(d, segment.id))).code).toBe('not_found');
    expect((await refusal(getSegment(d, 'x'.repeat(3000)))).code).toBe('not_found');
  });

  it('refuses a bad definition as invalid input naming the field', async () => {
    const error = await refusal(
      createSegment(deps(), { name: 'S', rules: [{ kind: 'field', key: 'town', op: 'is_set' }] }),
    );
    expect(error.code).toBe('invalid_input');
    expect(error.details.issues).toEqual([
      { field: 'rules.0.key', message: 'is not a declared field (city)' },
    ]);
  });

  it('counts exactly the confirmed readers in the segment, across partitions and pages, with a sample', async () => {
    const d = deps();
    const wanted = Array.from({ length: 23 }, (_, i) =>
      aSubscriber({
        email: `in-${String(i).padStart(2, '0')}@example.com`,
        fields: { city: 'skopje' },
      }),
    );
    const others = [
      aSubscriber({ fields: { city: 'Ohrid' } }),
      aSubscriber(),
      aSubscriber({ state: 'pending', fields: { city: 'Skopje' } }),
      aSubscriber({ state: 'unsubscribed', fields: { city: 'Skopje' } }),
    ];
    for (const s of [...wanted, ...others]) await d.subscribers.create(s);
    const preview = await previewSegment(d, await createSegment(d, inSkopje));
    expect(preview).toEqual({
      count: 23,
      sample: [
        'in-00@example.com',
        'in-01@example.com',
        'in-02@example.com',
        'in-03@example.com',
        'in-04@example.com',
      ],
    });
    // Within an issue's audience: only its topics.
    const segment = await createSegment(d, inSkopje);
    expect(
      (await previewSegment(d, segment, { topics: ['economy'], frequencies: ['weekly'] })).count,
    ).toBe(0);
  });

  it('copies a segment onto an issue only if it reaches someone in the audience; else a 422 with the count, 0', async () => {
    const d = deps();
    const segment = await createSegment(d, inSkopje);
    const audience = { topics: ['security'], frequencies: ['weekly' as const] };
    const empty = await refusal(segmentForIssue(d, segment.id, audience));
    expect(empty.code).toBe('invalid_input');
    expect(empty.details.issues).toEqual([
      { field: 'segment', message: 'matches no reader of this audience (count: 0)' },
    ]);
    await d.subscribers.create(aSubscriber({ fields: { city: 'Skopje' } }));
    expect(await segmentForIssue(d, segment.id, audience)).toEqual({
      id: segment.id,
      name: 'Skopje',
      match: 'all',
      rules: segment.rules,
    });
    const unknown = await refusal(segmentForIssue(d, 'seg_nope', audience));
    expect(unknown.details.issues).toEqual([
      { field: 'segment', message: 'is not a saved segment' },
    ]);
  });
});
