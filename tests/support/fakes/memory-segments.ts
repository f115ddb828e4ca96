import type { DigestFrequency } from '../../../functions/core/issues/issue.js';
import type { SegmentStore } from '../../../functions/core/segments/ports.js';
import { SEGMENT_ID, type Segment } from '../../../functions/core/segments/segment.js';
import { VersionedItems } from './versioned-items.js';

/** Segments in a Map, under the adapter's optimistic locking; held to the storage contract. */
export class MemorySegmentStore extends VersionedItems<Segment> implements SegmentStore {
  async list(): Promise<Segment[]> {
    return [...this.items.values()].map((s) => structuredClone(s));
  }

  override async get(id: string): Promise<Segment | undefined> {
    return SEGMENT_ID.test(id) ? super.get(id) : undefined;
  }

  async delete(id: string): Promise<boolean> {
    return this.items.delete(id);
  }

  private readonly digests = new Map<DigestFrequency, string>();

  async digestSegment(frequency: DigestFrequency) {
    return this.digests.get(frequency);
  }

  async setDigestSegment(frequency: DigestFrequency, id: string | undefined) {
    if (id) this.digests.set(frequency, id);
    else this.digests.delete(frequency);
  }
}
