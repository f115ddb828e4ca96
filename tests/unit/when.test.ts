import { describe, expect, it } from 'vitest';
import { readableDate, relativeTime } from '../../functions/http/admin/pages/when.js';

describe('workspace dates', () => {
  it('reads an instant as a person would, in UTC like the schedule form', () => {
    expect(readableDate('2026-12-02T09:05:00.000Z')).toBe('2 Dec 2026, 09:05 UTC');
    expect(readableDate('2026-01-31T23:59:59.000Z', false)).toBe('31 Jan 2026');
    expect(readableDate('not a date')).toBe('not a date');
  });

  it('says how long ago or until, in the largest whole unit', () => {
    const now = Date.parse('2026-12-02T12:00:00.000Z');
    expect(relativeTime('2026-12-02T11:59:40.000Z', now)).toBe('just now');
    expect(relativeTime('2026-12-02T11:59:00.000Z', now)).toBe('1 minute ago');
    expect(relativeTime('2026-12-02T09:00:00.000Z', now)).toBe('3 hours ago');
    expect(relativeTime('2026-12-04T12:00:00.000Z', now)).toBe('in 2 days');
    expect(relativeTime('2025-11-01T12:00:00.000Z', now)).toBe('1 year ago');
  });
});
