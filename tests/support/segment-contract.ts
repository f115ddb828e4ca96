import { expect, it } from 'vitest';
import type { SegmentStore } from '../../functions/core/segments/ports.js';
import { newSegment, type Segment } from '../../functions/core/segments/segment.js';

const aSegment = (name = 'Print readers in Skopje'): Segment =>
  newSegment(
    {
      name,
      match: 'all',
      rules: [
        { kind: 'field', key: 'city', op: 'equals', value: 'Skopje' },
        { kind: 'topics', match: 'any', topics: ['security'] },
      ],
    },
    new Date('2026-12-01T10:00:00Z'),
  );

/**
 * The segment store's part of the storage contract (adapter-contract.ts runs it on dynalite,
 * DynamoDB Local and the memory fake): a create once, a save over the version read, a delete
 * that says whether there was one, a list of all of them.
 */
export function segmentStoreContract(store: () => SegmentStore) {
  it('creates a segment once, reads it back as written, and lists it', async () => {
    const segment = aSegment();
    expect(await store().create(segment)).toBe(true);
    expect(await store().create({ ...segment, name: 'Another' })).toBe(false);
    expect(await store().get(segment.id)).toEqual(segment);
    expect((await store().list()).find((s) => s.id === segment.id)).toEqual(segment);
    // An id the code cannot have made is nobody's, not a DynamoDB error.
    expect(await store().get('seg_x'.repeat(500))).toBeUndefined();
  });

  it('saves a segment only over the version it read; deletes it once', async () => {
    const segment = aSegment('Weekly readers');
    await store().create(segment);
    expect(await store().save({ ...segment, name: 'Renamed', version: 2 })).toBe(true);
    expect(await store().save({ ...segment, name: 'Lost update', version: 2 })).toBe(false);
    expect(await store().get(segment.id)).toMatchObject({ name: 'Renamed', version: 2 });
    expect(await store().delete(segment.id)).toBe(true);
    expect(await store().delete(segment.id)).toBe(false);
    expect(await store().get(segment.id)).toBeUndefined();
    expect((await store().list()).some((s) => s.id === segment.id)).toBe(false);
    // A save of a deleted segment does not bring it back.
    expect(await store().save({ ...segment, version: 3 })).toBe(false);
  });

  it("keeps each digest frequency's segment apart from the list, and clears it", async () => {
    const segment = aSegment('Daily digest readers');
    await store().create(segment);
    await store().setDigestSegment('daily', segment.id);
    expect(await store().digestSegment('daily')).toBe(segment.id);
    expect(await store().digestSegment('weekly')).toBeUndefined();
    expect((await store().list()).every((s) => s.id.startsWith('seg_'))).toBe(true);
    await store().setDigestSegment('daily', undefined);
    expect(await store().digestSegment('daily')).toBeUndefined();
  });
}
