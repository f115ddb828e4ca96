/**
 * How fast an issue is going and how long it has left, as an editor reads it on the issue page.
 * The rate is the average since the send started: the ledger keeps counts, not a timeline, and
 * an average over the whole send is steadier than a sample (the pace is even by design, so the
 * two differ only after a pause, which this leaves out of the time left by not guessing one).
 */
export type Pace = {
  /** Recipients processed a second since the send started. */
  perSecond: number;
  /** Seconds until the remaining recipients are processed at that rate. */
  secondsLeft: number;
};

export function sendingPace(
  startedAt: string | undefined,
  processed: number,
  remaining: number,
  now: Date,
): Pace | undefined {
  const started = startedAt ? Date.parse(startedAt) : Number.NaN;
  const seconds = (now.getTime() - started) / 1000;
  // Under a few seconds in, or before the first send, a rate would be noise.
  if (!(seconds >= 3) || processed <= 0) return undefined;
  const perSecond = processed / seconds;
  return { perSecond, secondsLeft: Math.ceil(remaining / perSecond) };
}

/** "under a minute", "about 4 minutes", "about 2 hours 10 minutes". */
export function aboutDuration(seconds: number): string {
  if (seconds < 60) return 'under a minute';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  const h = `${hours} hour${hours === 1 ? '' : 's'}`;
  return rest ? `about ${h} ${rest} minute${rest === 1 ? '' : 's'}` : `about ${h}`;
}

/** "12 a second", "3.5 a second", "40 a minute" (under one a second, a minute reads better). */
export function rateLabel(perSecond: number): string {
  if (perSecond >= 10) return `${Math.round(perSecond)} a second`;
  if (perSecond >= 1) return `${perSecond.toFixed(1).replace(/\.0$/, '')} a second`;
  return `${Math.max(1, Math.round(perSecond * 60))} a minute`;
}
