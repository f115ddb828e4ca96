import type { Clock } from '../clock.js';
import { DomainError, ErrorCodes } from '../errors.js';
import type { Audience, DigestFrequency } from '../issues/issue.js';
import type { SubscriberRepository } from '../ports.js';
import type { Publication } from '../publication.js';
import { parseInput } from '../subscribers/input.js';
import { Frequencies, RECIPIENT_SHARDS } from '../subscribers/subscriber.js';
import type { SegmentStore } from './ports.js';
import { matchesSegment } from './match.js';
import {
  newSegment,
  SEGMENT_ID,
  segmentEditSchema,
  segmentInputSchema,
  type IssueSegment,
  type Segment,
  type SegmentDefinition,
} from './segment.js';

export type SegmentDeps = {
  segments: SegmentStore;
  subscribers: Pick<SubscriberRepository, 'listRecipients'>;
  clock: Clock;
  publication: Pick<Publication, 'topics' | 'fields'>;
};

export const noSuchSegment = () => new DomainError(ErrorCodes.notFound, 'No such segment.');

export async function createSegment(deps: SegmentDeps, input: unknown): Promise<Segment> {
  const segment = newSegment(
    parseInput(segmentInputSchema(deps.publication), input),
    deps.clock.now(),
  );
  if (!(await deps.segments.create(segment)))
    throw new DomainError(ErrorCodes.conflict, `A segment ${segment.id} already exists.`);
  return segment;
}

/** By name, for the workspace's list and the API's. */
export async function listSegments(deps: Pick<SegmentDeps, 'segments'>): Promise<Segment[]> {
  return (await deps.segments.list()).sort((a, b) => a.name.localeCompare(b.name));
}

export async function getSegment(deps: Pick<SegmentDeps, 'segments'>, id: string) {
  // An id newSegment cannot have made is not looked up (a key past DynamoDB's limit is a 400).
  const segment = SEGMENT_ID.test(id) ? await deps.segments.get(id) : undefined;
  if (!segment) throw noSuchSegment();
  return segment;
}

/**
 * An edit of name, description, match or rules. Given `version` (the one the editor read), a
 * segment changed since is refused (409) rather than edited blind. Issues that already target it
 * keep the copy of its rules they took (docs/workspace-and-api.md, "Segments").
 */
export async function updateSegment(deps: SegmentDeps, id: string, input: unknown) {
  const { version, ...change } = parseInput(segmentEditSchema(deps.publication), input);
  for (let attempt = 0; attempt < 8; attempt++) {
    const current = await getSegment(deps, id);
    if (version !== undefined && version !== current.version)
      throw new DomainError(
        ErrorCodes.conflict,
        `Segment ${id} changed since you read it (version ${version}, now ${current.version}). Nothing was changed.`,
      );
    const next: Segment = {
      ...current,
      ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)),
      ...(change.description === '' && { description: undefined }),
      updatedAt: deps.clock.now().toISOString(),
      version: current.version + 1,
    } as Segment;
    if (await deps.segments.save(next)) return next;
  }
  throw new DomainError(ErrorCodes.conflict, `Segment ${id} is changing too fast; try again.`);
}

/** Refused (409) while a digest goes to it: clear the digest's segment first. */
export async function deleteSegment(deps: Pick<SegmentDeps, 'segments'>, id: string) {
  for (const frequency of DIGEST_FREQUENCIES)
    if ((await deps.segments.digestSegment(frequency)) === id)
      throw new DomainError(
        ErrorCodes.conflict,
        `The ${frequency} digest goes to this segment: set it to go to all its readers first. Nothing was deleted.`,
      );
  if (!SEGMENT_ID.test(id) || !(await deps.segments.delete(id))) throw noSuchSegment();
}

export const DIGEST_FREQUENCIES = ['daily', 'weekly'] as const satisfies DigestFrequency[];

/** Each digest frequency's segment, if it has one (a segment since deleted reads as none). */
export async function digestSegments(
  deps: Pick<SegmentDeps, 'segments'>,
): Promise<Record<DigestFrequency, Segment | null>> {
  const of = async (frequency: DigestFrequency) => {
    const id = await deps.segments.digestSegment(frequency);
    return (id && (await deps.segments.get(id))) || null;
  };
  const [daily, weekly] = await Promise.all(DIGEST_FREQUENCIES.map(of));
  return { daily: daily!, weekly: weekly! };
}

/**
 * Narrows a frequency's digests to a segment's readers on that frequency (null: all of them
 * again). Refused (422 naming `segment`) for a segment that is not saved, or that reaches no
 * reader of the frequency now (with its count, 0). Each digest copies the rules when it starts.
 */
export async function setDigestSegment(
  deps: SegmentDeps,
  frequency: DigestFrequency,
  id: string | null,
): Promise<Segment | null> {
  if (id === null) {
    await deps.segments.setDigestSegment(frequency, undefined);
    return null;
  }
  const audience = { topics: everyone(deps.publication).topics, frequencies: [frequency] };
  await segmentForIssue(deps, id, audience);
  await deps.segments.setDigestSegment(frequency, id);
  return getSegment(deps, id);
}

/**
 * What a digest starting now takes of its frequency's segment: a copy of its rules, as an issue
 * does. None set, or the segment gone since (its deletion is refused while set, so only a race):
 * the digest goes to all the frequency's readers, who asked for it. Not checked for reaching
 * anyone here: `startDigest` asks when an editor starts it by hand; a scheduled digest has no
 * editor to refuse, and one that matches nobody sends nothing.
 */
export async function digestSegmentCopy(
  segments: SegmentStore,
  frequency: DigestFrequency,
): Promise<IssueSegment | undefined> {
  const id = await segments.digestSegment(frequency);
  const segment = id ? await segments.get(id) : undefined;
  return segment
    ? { id: segment.id, name: segment.name, match: segment.match, rules: segment.rules }
    : undefined;
}

/** Every confirmed reader, whatever their topics and frequency: a segment's own audience. */
export const everyone = (publication: Pick<Publication, 'topics'>): Audience => ({
  topics: publication.topics.map((t) => t.id),
  frequencies: Object.values(Frequencies),
});

export type SegmentPreview = { count: number; sample: string[] };
/** How many addresses a preview shows. */
export const SAMPLE_SIZE = 5;
/** Readers per Query page a preview reads (DynamoDB stops a page at 1 MB before that anyway). */
const PREVIEW_PAGE = 500;

/**
 * The confirmed readers of `audience` in the segment: their count and the first few addresses.
 * The send's own reads (the recipients' index, partition by partition, the topics and
 * frequencies filtered by DynamoDB) with the segment's rules applied to each page here, so the
 * count is exactly who a send to that audience would take. It reads the audience once: about one
 * read unit per 4 KB of readers returned (docs/sending.md, "Segments"). `stopAt` ends the walk
 * once that many are found (a check that the segment reaches anyone at all).
 */
export async function previewSegment(
  deps: Pick<SegmentDeps, 'subscribers' | 'clock' | 'publication'>,
  segment: SegmentDefinition,
  audience: Audience = everyone(deps.publication),
  options: { stopAt?: number } = {},
): Promise<SegmentPreview> {
  const now = deps.clock.now();
  const fields = deps.publication.fields ?? [];
  let count = 0;
  const sample: { email: string; id: string }[] = [];
  const enough = () => options.stopAt !== undefined && count >= options.stopAt;
  await Promise.all(
    Array.from({ length: RECIPIENT_SHARDS }, async (_, shard) => {
      let cursor: string | undefined;
      do {
        const page = await deps.subscribers.listRecipients({
          shard,
          topics: audience.topics,
          frequencies: audience.frequencies,
          cursor,
          limit: PREVIEW_PAGE,
        });
        for (const reader of page.items)
          if (matchesSegment(reader, segment, fields, now)) {
            count++;
            sample.push({ email: reader.email, id: reader.id });
          }
        cursor = page.cursor;
      } while (cursor && !enough());
    }),
  );
  // The same sample for the same readers, whichever partition answered first.
  sample.sort((a, b) => a.email.localeCompare(b.email) || a.id.localeCompare(b.id));
  return { count, sample: sample.slice(0, SAMPLE_SIZE).map((s) => s.email) };
}

/**
 * The segment an issue is to target, copied onto it, once it is known to reach someone in the
 * issue's audience: a segment that matches nobody is refused with its count (0), naming the
 * field. The walk stops at the first reader found, so this reads the whole audience only when
 * the answer is no.
 */
export async function segmentForIssue(
  deps: SegmentDeps,
  id: string,
  audience: Audience,
  field = 'segment',
): Promise<IssueSegment> {
  const segment = SEGMENT_ID.test(id) ? await deps.segments.get(id) : undefined;
  if (!segment)
    throw new DomainError(ErrorCodes.invalidInput, `No segment ${id}.`, {
      issues: [{ field, message: 'is not a saved segment' }],
    });
  await assertReaches(deps, segment, audience, field);
  return { id: segment.id, name: segment.name, match: segment.match, rules: segment.rules };
}

/** Refuses a send to a segment with no reader in the audience: a 422 with the count, 0. */
export async function assertReaches(
  deps: Pick<SegmentDeps, 'subscribers' | 'clock' | 'publication'>,
  segment: IssueSegment,
  audience: Audience,
  field = 'segment',
) {
  const { count } = await previewSegment(deps, segment, audience, { stopAt: 1 });
  if (count === 0)
    throw new DomainError(
      ErrorCodes.invalidInput,
      `The segment "${segment.name}" matches no reader of this audience (count: 0); nothing would be sent.`,
      { issues: [{ field, message: `matches no reader of this audience (count: 0)` }] },
    );
}
