import { stringify } from 'csv-stringify/sync';
import type { Directory } from '../ports.js';
import type { SubscriberDeps } from './deps.js';

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

/** Every subscriber as CSV, page by page; `consent` says whether they confirmed. */
export async function* exportCsv(
  deps: SubscriberDeps & { directory: Directory },
): AsyncGenerator<string> {
  yield stringify([CSV_COLUMNS as unknown as string[]]);
  let cursor: string | undefined;
  do {
    const page = await deps.directory.subscribers(cursor, 200);
    yield stringify(
      page.items.map((s) => [
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
      ]),
    );
    cursor = page.cursor;
  } while (cursor);
}
