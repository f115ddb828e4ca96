import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { scheduleDefinitions, toFiveFieldCron } from '../../infra/schedule-definitions.js';

describe('schedule expressions', () => {
  it('translate EventBridge cron into the local scheduler’s form with the same firing times', () => {
    expect(toFiveFieldCron('cron(* * * * ? *)')).toBe('* * * * *');
    expect(toFiveFieldCron('cron(0 7 ? * MON *)')).toBe('0 7 * * MON');
    expect(toFiveFieldCron('cron(0 7 ? * 2 *)')).toBe('0 7 * * MON');
    const weekly = new Cron(toFiveFieldCron('cron(0 7 ? * MON *)'), { timezone: 'UTC' });
    expect(weekly.nextRun(new Date('2026-11-28T09:00:00Z'))?.toISOString()).toBe(
      '2026-11-30T07:00:00.000Z',
    );
  });

  it('refuse what EventBridge refuses', () => {
    expect(() => toFiveFieldCron('0 7 * * *')).toThrow(/not an EventBridge/);
    expect(() => toFiveFieldCron('cron(0 7 * * MON *)')).toThrow(/'\?'/);
  });

  it('are all valid for the local scheduler', () => {
    for (const s of Object.values(scheduleDefinitions))
      expect(() => new Cron(toFiveFieldCron(s.expression))).not.toThrow();
  });
});
