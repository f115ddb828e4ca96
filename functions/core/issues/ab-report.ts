import type { IssueRepository } from '../ports.js';
import { abSendForReader, REST_VARIANT, variantCounterId, type AbTest } from './ab-test.js';
import type { Issue, ShardProgress } from './issue.js';

/** One row of an A/B issue's report: a variant's sample (or the rest, sent the winner). */
export type VariantReport = {
  variant: string;
  subject: string;
  sent: number;
  uniqueOpened: number;
  uniqueClicked: number;
  opened: number;
  clicked: number;
};

export type AbReport = {
  metric: AbTest['metric'];
  samplePercent: number;
  waitMinutes: number;
  winnerAt?: string;
  winner?: AbTest['winner'];
  /** Each variant's sample, then `rest`: the readers sent the winner (counted apart from the test). */
  variants: VariantReport[];
};

/**
 * What an A/B issue's report shows of its test: each variant's sends (the shards' counts, and the
 * ambiguous readers an editor settled as sent) and its readers' opens and clicks (bots' never:
 * they are not in a variant's counters), the rest's, and the winner with the figures the rule
 * read when it chose.
 */
export async function abReport(
  deps: { issues: Pick<IssueRepository, 'engagement'> },
  issue: Issue & { abTest: AbTest },
  shards: ShardProgress[],
): Promise<AbReport> {
  const sent: Record<string, number> = {};
  for (const s of shards)
    for (const [v, n] of Object.entries(s.variantSent ?? {})) sent[v] = (sent[v] ?? 0) + n;
  // An ambiguous reader an editor settled as sent (marked delivered, or released and resent) is
  // in the issue's sent count (resolutions.ts): their variant's row counts them too, so the rows
  // still add up to it. Their variant is their bucket's, as the resend's subject was.
  for (const r of issue.resolutions ?? [])
    if (r.resolution === 'delivered' || r.resent?.outcome === 'sent') {
      const { variant } = abSendForReader(issue, r.subscriberId);
      sent[variant] = (sent[variant] ?? 0) + 1;
    }
  const test = issue.abTest;
  const winner = test.variants.find((v) => v.id === test.winner?.variant);
  const rows = [
    ...test.variants,
    ...(winner ? [{ id: REST_VARIANT, subject: winner.subject }] : []),
  ];
  const variants = await Promise.all(
    rows.map(async ({ id, subject }): Promise<VariantReport> => {
      const e = await deps.issues.engagement(variantCounterId(issue.id, id));
      return {
        variant: id,
        subject,
        sent: sent[id] ?? 0,
        uniqueOpened: e.uniqueOpened,
        uniqueClicked: e.uniqueClicked,
        opened: e.opened,
        clicked: e.clicked,
      };
    }),
  );
  const { metric, samplePercent, waitMinutes, winnerAt } = test;
  return { metric, samplePercent, waitMinutes, winnerAt, winner: test.winner, variants };
}
