import { z } from '@hono/zod-openapi';

const FiguresSchema = z.object({
  variant: z.string(),
  sent: z.number().int(),
  uniqueOpened: z.number().int(),
  uniqueClicked: z.number().int(),
  rate: z.number().openapi({ description: 'Unique readers who opened (or clicked) over sends' }),
});

/** An issue's A/B test as it is kept (core/issues/ab-test.ts). */
export const AbTestSchema = z
  .object({
    variants: z.array(z.object({ id: z.string(), subject: z.string() })),
    samplePercent: z.number().int().openapi({ description: "Each variant's share, in percent" }),
    metric: z.enum(['opens', 'clicks']),
    waitMinutes: z.number().int(),
    sampleDoneAt: z.string().optional(),
    winnerAt: z.string().optional().openapi({ description: 'When the winner is (was) chosen' }),
    winner: z
      .object({ variant: z.string(), at: z.string(), figures: z.array(FiguresSchema) })
      .optional()
      .openapi({ description: 'The winner and the figures the rule read when it chose' }),
  })
  .openapi('AbTest', {
    description:
      'Subjects tested on a sample; the rest are sent the winner\'s (docs/sending.md, "A/B subjects")',
  });

/** The report's part for an A/B issue (core/issues/ab-report.ts). */
export const AbReportSchema = z
  .object({
    metric: z.enum(['opens', 'clicks']),
    samplePercent: z.number().int(),
    waitMinutes: z.number().int(),
    winnerAt: z.string().optional(),
    winner: AbTestSchema.shape.winner,
    variants: z.array(
      z.object({
        variant: z
          .string()
          .openapi({ description: 'a, b, … or `rest`: the readers sent the winner' }),
        subject: z.string(),
        sent: z.number().int(),
        uniqueOpened: z.number().int(),
        uniqueClicked: z.number().int(),
        opened: z.number().int(),
        clicked: z.number().int(),
      }),
    ),
  })
  .openapi('AbReport');
