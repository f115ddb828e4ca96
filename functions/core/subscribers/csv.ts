import { displayValue } from './fields.js';
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
  'name',
] as const;

/**
 * The export's header: CSV_COLUMNS, then a `fields.<key>` column per declared field (the names an
 * import reads back).
 */
export const exportColumns = (fieldKeys: readonly string[] = []) => [
  ...CSV_COLUMNS,
  ...fieldKeys.map((key) => `fields.${key}`),
];

/** One subscriber's export row, in `exportColumns`' order; `consent` says whether they confirmed. */
export function exportRow(s: Subscriber, fieldKeys: readonly string[] = []): string[] {
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
    s.name ?? '',
    ...fieldKeys.map((key) => displayValue(s.fields?.[key])),
  ];
}
