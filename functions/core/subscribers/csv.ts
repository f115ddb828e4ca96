import type { Subscriber } from './subscriber.js';

export const CSV_COLUMNS = [
  'email',
  'state',
  'topics',
  'frequency',
  'consent',
  'consent_source',
  'consent_at',
  'created_at',
  'confirmed_at',
] as const;

/** One subscriber's export row, in CSV_COLUMNS' order; `consent` says whether they confirmed. */
export function exportRow(s: Subscriber): string[] {
  return [
    s.email,
    s.state,
    s.topics.join(';'),
    s.frequency,
    s.consent.confirmedAt ? 'yes' : 'no',
    s.consent.source ??
      `${s.consent.form} form${s.consent.confirmedAt ? `, confirmed ${s.consent.confirmedAt}` : ''}${s.consent.ip ? `, from ${s.consent.ip}` : ''}`,
    s.consent.confirmedAt ?? s.consent.at,
    s.createdAt,
    s.confirmedAt ?? '',
  ];
}
