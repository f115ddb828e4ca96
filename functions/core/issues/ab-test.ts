import { createHash } from 'node:crypto';
import * as z from 'zod';
import { subjectSchema } from './subject-schema.js';
import type { FieldDefinition } from '../subscribers/fields.js';
import { SEND_SHARDS } from '../subscribers/subscriber.js';
import type { Engagement } from './issue.js';

/**
 * A/B subjects (docs/sending.md, "A/B subjects"): a sample of the audience is sent one of two to
 * four subjects, the winner is chosen by a stated rule after a wait, the rest get the winner.
 * Which part a reader is in is a pure function of the issue and the reader, so every worker, a
 * killed one's successor too, puts a reader in the same part, and the ledger's one claim per
 * reader does the rest.
 */
export const AB_METRICS = ['opens', 'clicks'] as const;
export type AbMetric = (typeof AB_METRICS)[number];
export const VARIANT_IDS = ['a', 'b', 'c', 'd'] as const;
/** The tag phase-two messages carry instead of a variant's: their engagement is not the test's. */
export const REST_VARIANT = 'rest';

export type AbVariant = { id: string; subject: string };

/** One variant's figures when the winner was chosen: what the rule read. */
export type VariantFigures = {
  variant: string;
  sent: number;
  uniqueOpened: number;
  uniqueClicked: number;
  /** Unique readers' opens (or clicks, by the metric) over sends; 0 with no sends. */
  rate: number;
};

export type AbWinner = { variant: string; at: string; figures: VariantFigures[] };

export type AbTest = {
  variants: AbVariant[];
  /** Each variant's share of the audience, in percent; the rest (at least half) wait for the winner. */
  samplePercent: number;
  metric: AbMetric;
  waitMinutes: number;
  /** When the sample's last shard finished: the wait starts here. */
  sampleDoneAt?: string;
  /** When the tick chooses the winner (sampleDoneAt + waitMinutes). */
  winnerAt?: string;
  winner?: AbWinner;
};

/** What an editor sends as `abTest`; the field names in a 422 are this shape's paths. */
export const abTestSchema = (fields: readonly FieldDefinition[] = []) =>
  z
    .object({
      variants: z
        .array(
          z.object({
            subject: subjectSchema(fields),
          }),
        )
        .min(2)
        .max(VARIANT_IDS.length),
      samplePercent: z.number().int().min(1).max(25),
      metric: z.enum(AB_METRICS),
      waitMinutes: z
        .number()
        .int()
        .min(0)
        .max(7 * 24 * 60),
    })
    .superRefine((test, ctx) => {
      if (test.samplePercent * test.variants.length > 50)
        ctx.addIssue({
          code: 'custom',
          path: ['samplePercent'],
          message:
            'times the number of variants must be at most 50 (half the audience gets the winner)',
        });
    })
    .describe(
      'Subjects to test on a sample: each variant goes to samplePercent % of the audience, the winner (by unique opens or clicks over sends, bots excluded, ties to the first) is chosen waitMinutes after the sample is sent, and the rest are sent the winner.',
    );

export type AbTestInput = z.infer<ReturnType<typeof abTestSchema>>;

export const abTestOf = (input: AbTestInput): AbTest => ({
  variants: input.variants.map((v, i) => ({ id: VARIANT_IDS[i]!, subject: v.subject })),
  samplePercent: input.samplePercent,
  metric: input.metric,
  waitMinutes: input.waitMinutes,
});

/** A reader's bucket, 0..99, from the issue and the reader alone: the same in every worker's life. */
export function bucketOf(issueId: string, subscriberId: string): number {
  const digest = createHash('sha256').update(`${issueId}\u0000${subscriberId}`).digest();
  return digest.readUInt32BE(0) % 100;
}

/** The variant a reader is sent in the sample, or undefined for a reader who waits for the winner. */
export function variantOf(
  test: Pick<AbTest, 'variants' | 'samplePercent'>,
  issueId: string,
  subscriberId: string,
): AbVariant | undefined {
  const index = Math.floor(bucketOf(issueId, subscriberId) / test.samplePercent);
  return test.variants[index];
}

/**
 * Phase two's shards are numbered after phase one's (SEND_SHARDS on): their progress is saved
 * apart, so a worker that still thinks the issue is in its sample can never take a shard of the
 * rest, and phase one's counts stay as they were.
 */
export const PHASE_TWO_SHARDS_FROM = SEND_SHARDS;

export type AbPhase = 'none' | 'sample' | 'rest';
export const abPhase = (issue: { abTest?: AbTest }): AbPhase =>
  !issue.abTest ? 'none' : issue.abTest.winner ? 'rest' : 'sample';

/** The shard numbers the issue sends in now: its shards, offset in phase two. */
export function phaseShards(issue: { abTest?: AbTest }, shards: number): number[] {
  const from = abPhase(issue) === 'rest' ? PHASE_TWO_SHARDS_FROM : 0;
  return Array.from({ length: shards }, (_, i) => from + i);
}

/** Which recipients' shard a progress shard number reads (phase two's read phase one's). */
export const recipientShard = (shard: number) =>
  shard >= PHASE_TWO_SHARDS_FROM ? shard - PHASE_TWO_SHARDS_FROM : shard;

export const isPhaseTwoShard = (shard: number) => shard >= PHASE_TWO_SHARDS_FROM;

/**
 * The subject and tag a reader of this shard is sent, or undefined when the reader is not this
 * phase's (a sample reader in phase two, a waiting one in phase one): passed over, not claimed.
 */
export function abSendOf(
  issue: { id: string; abTest?: AbTest },
  shard: number,
  subscriberId: string,
): AbSend | undefined {
  const send = abSendForReader(issue, subscriberId);
  const inSample = send.variant !== REST_VARIANT;
  return inSample === !isPhaseTwoShard(shard) ? send : undefined;
}

export type AbSend = { subject: string; variant: string };

/** A reader's subject and tag whatever the phase (a released reader's resend): variant or winner. */
export function abSendForReader(issue: { id: string; abTest?: AbTest }, subscriberId: string) {
  const test = issue.abTest!;
  const variant = variantOf(test, issue.id, subscriberId);
  if (variant) return { subject: variant.subject, variant: variant.id };
  const winner = test.variants.find((v) => v.id === test.winner?.variant) ?? test.variants[0]!;
  return { subject: winner.subject, variant: REST_VARIANT };
}

/** The counters a variant's engagement is kept under, beside the issue's own. */
export const variantCounterId = (issueId: string, variant: string) => `${issueId}~ab-${variant}`;

/**
 * The rule: the highest rate of unique readers who opened (or clicked) over the variant's sends;
 * bots' opens and clicks are never in readers' counters. A tie goes to the earlier variant.
 */
export function chooseWinner(
  test: Pick<AbTest, 'variants' | 'metric'>,
  figures: { variant: string; sent: number; engagement: Engagement }[],
): { variant: string; figures: VariantFigures[] } {
  const rated = test.variants.map((v): VariantFigures => {
    const f = figures.find((x) => x.variant === v.id);
    const sent = f?.sent ?? 0;
    const uniqueOpened = f?.engagement.uniqueOpened ?? 0;
    const uniqueClicked = f?.engagement.uniqueClicked ?? 0;
    const hits = test.metric === 'opens' ? uniqueOpened : uniqueClicked;
    return { variant: v.id, sent, uniqueOpened, uniqueClicked, rate: sent > 0 ? hits / sent : 0 };
  });
  let best = rated[0]!;
  for (const r of rated) if (r.rate > best.rate) best = r;
  return { variant: best.variant, figures: rated };
}
