/**
 * Dates and states as an editor reads them: "2 Dec 2026, 11:35 UTC (3 hours ago)" in a <time>
 * whose datetime keeps the exact instant, and a state as a coloured badge with its word in it
 * (colour is never the only sign). The workspace is rendered per request, so "ago" is now.
 */
const months = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');

/** "2 Dec 2026, 11:35 UTC": the workspace's one date format, in UTC like the schedule form. */
export function readableDate(iso: string, withTime = true): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const date = `${d.getUTCDate()} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  const hm = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
  return withTime ? `${date}, ${hm} UTC` : date;
}

const units: [number, string][] = [
  [365 * 86_400, 'year'],
  [30 * 86_400, 'month'],
  [7 * 86_400, 'week'],
  [86_400, 'day'],
  [3_600, 'hour'],
  [60, 'minute'],
];

/** "3 hours ago", "in 2 days", "just now": the largest whole unit. */
export function relativeTime(iso: string, now = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  if (Number.isNaN(seconds)) return '';
  const abs = Math.abs(seconds);
  const unit = units.find(([size]) => abs >= size);
  if (!unit) return 'just now';
  const n = Math.floor(abs / unit[0]);
  const phrase = `${n} ${unit[1]}${n === 1 ? '' : 's'}`;
  return seconds < 0 ? `${phrase} ago` : `in ${phrase}`;
}

/** An instant, readable, with how long ago (or until) beside it. */
export function When(props: { at: string | undefined; date?: boolean }) {
  if (!props.at) return <>—</>;
  return (
    <time datetime={props.at} title={props.at}>
      {readableDate(props.at, !props.date)}
      {props.date ? '' : ` (${relativeTime(props.at)})`}
    </time>
  );
}

/** A state (draft, sending, confirmed, bounced…) as a badge; the class picks its colour. */
export function Badge(props: { state: string }) {
  return <span class={`badge badge-${props.state.replace(/[^a-z_-]/gi, '')}`}>{props.state}</span>;
}
