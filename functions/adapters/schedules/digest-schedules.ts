import { Cron } from 'croner';
import { toFiveFieldCron } from '../../../infra/schedule-definitions.js';
import type { DigestSchedule } from '../../core/issues/digests.js';
import type { DigestFrequency } from '../../core/issues/issue.js';

/**
 * The digests' EventBridge expressions (the same the deployment's rules run) as the tick needs
 * them: when each last fired. Read with the local scheduler's cron library, in UTC as EventBridge.
 */
export function digestSchedules(expressions: Record<DigestFrequency, string>): DigestSchedule[] {
  return (Object.entries(expressions) as [DigestFrequency, string][]).map(
    ([frequency, expression]) => {
      const cron = new Cron(toFiveFieldCron(expression), { paused: true, timezone: 'UTC' });
      // previousRuns excludes its reference: a tick in the firing's own second counts it.
      return { frequency, lastFiring: (at) => cron.previousRuns(1, new Date(at.getTime() + 1))[0] };
    },
  );
}
