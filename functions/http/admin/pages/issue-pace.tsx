import type { Issue } from '../../../core/issues/issue.js';
import { aboutDuration, rateLabel, sendingPace } from '../../../core/issues/pace.js';
import { When } from './when.js';

/**
 * While an issue sends: its rate and the time left, or that it is starting; once sent, how long
 * it took. The page reloads itself while sending, so the figures follow.
 */
export function PaceLine(props: { issue: Issue; done: number; remaining: number; now: Date }) {
  const { issue, done, remaining, now } = props;
  if (issue.state === 'sent' && issue.startedAt && issue.finishedAt) {
    const took = (Date.parse(issue.finishedAt) - Date.parse(issue.startedAt)) / 1000;
    return (
      <p data-testid="pace">
        Sent in {aboutDuration(took).replace(/^about /, '')}, finished{' '}
        <When at={issue.finishedAt} />.
      </p>
    );
  }
  if (issue.state !== 'sending') return null;
  const pace = sendingPace(issue.startedAt, done, remaining, now);
  return (
    <p data-testid="pace">
      {pace
        ? `Sending at ${rateLabel(pace.perSecond)} on average since it started; ${
            remaining ? `${aboutDuration(pace.secondsLeft)} left` : 'finishing'
          }.`
        : 'Starting: the first emails leave within seconds. This page refreshes itself.'}
    </p>
  );
}
