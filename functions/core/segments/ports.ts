import type { DigestFrequency } from '../issues/issue.js';
import type { Segment } from './segment.js';

/**
 * Saved segments. Few (an account has tens), so they are listed whole; every save is conditional
 * on the version read, so two editors' edits never overwrite one another.
 */
export interface SegmentStore {
  list(): Promise<Segment[]>;
  get(id: string): Promise<Segment | undefined>;
  /** False when a segment of that id exists already. */
  create(segment: Segment): Promise<boolean>;
  /** False when the stored version is not `next.version - 1` (or it is gone). */
  save(next: Segment): Promise<boolean>;
  /** False when there was none. */
  delete(id: string): Promise<boolean>;
  /** The segment a frequency's digests go to (its readers on that frequency), if one is set. */
  digestSegment(frequency: DigestFrequency): Promise<string | undefined>;
  /** Sets it, or with undefined clears it: the frequency's digests go to all its readers again. */
  setDigestSegment(frequency: DigestFrequency, id: string | undefined): Promise<void>;
}
