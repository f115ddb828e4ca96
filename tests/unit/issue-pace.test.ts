import { describe, expect, it } from 'vitest';
import { aboutDuration, rateLabel, sendingPace } from '../../functions/core/issues/pace.js';

const at = (iso: string) => new Date(iso);

describe('an issue’s pace, as the issue page says it', () => {
  it('is the average since the send started, and the time left at that rate', () => {
    // 600 processed in 2 minutes is 5 a second: 1,400 left take 280 s.
    expect(sendingPace('2026-12-02T10:00:00Z', 600, 1_400, at('2026-12-02T10:02:00Z'))).toEqual({
      perSecond: 5,
      secondsLeft: 280,
    });
    expect(aboutDuration(280)).toBe('about 5 minutes');
    expect(rateLabel(5)).toBe('5 a second');
  });

  it('says nothing before the first send or in the first seconds, when a rate would be noise', () => {
    expect(sendingPace('2026-12-02T10:00:00Z', 0, 100, at('2026-12-02T10:05:00Z'))).toBeUndefined();
    expect(sendingPace('2026-12-02T10:00:00Z', 5, 100, at('2026-12-02T10:00:01Z'))).toBeUndefined();
    expect(sendingPace(undefined, 5, 100, at('2026-12-02T10:00:10Z'))).toBeUndefined();
  });

  it('reads durations and rates in words an editor uses', () => {
    expect(aboutDuration(12)).toBe('under a minute');
    expect(aboutDuration(89)).toBe('about 1 minute');
    expect(aboutDuration(3_600)).toBe('about 1 hour');
    expect(aboutDuration(7_800)).toBe('about 2 hours 10 minutes');
    expect(rateLabel(13.6)).toBe('14 a second');
    expect(rateLabel(3.25)).toBe('3.3 a second');
    expect(rateLabel(2)).toBe('2 a second');
    expect(rateLabel(0.25)).toBe('15 a minute');
  });
});
