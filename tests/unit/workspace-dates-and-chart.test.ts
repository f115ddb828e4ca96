import { describe, expect, it } from 'vitest';
import type { Publication } from '../../functions/core/publication.js';
import { Dashboard } from '../../functions/http/admin/pages/dashboard.js';
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

describe('the dashboard chart', () => {
  const today = new Date().toISOString().slice(0, 10);
  const render = (counts: Record<string, number>) =>
    String(
      Dashboard({
        publication: { topics: [{ id: 'security', label: 'Security' }] } as unknown as Publication,
        counts,
        reports: [],
      }),
    );

  it('says its totals and busiest day, labels its axes, and lists the numbers by day', () => {
    const html = render({ [`joined:${today}`]: 12, [`left:${today}`]: 2 });
    expect(html).toContain('12 signups and 2 unsubscribes in these 30 days');
    expect(html).toContain('the busiest day had 12');
    // The value axis ends at the busiest day; the date axis names today.
    expect(html).toMatch(/text-anchor="end"[^>]*>12<\/text>/);
    expect(html).toContain(readableDate(today, false).replace(/ \d{4}$/, ''));
    expect(html).toContain(`<td>${readableDate(today, false)}</td><td>12</td><td>2</td>`);
  });

  it('says so when nothing happened, instead of an empty table', () => {
    const html = render({});
    expect(html).toContain('No signups or unsubscribes yet in these 30 days.');
    expect(html).not.toContain('<details>');
  });
});
