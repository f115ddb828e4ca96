import type { Context } from 'aws-lambda';
import { buildJobsDeps, parseConfig } from '../config.js';
import { runJobs } from '../core/jobs/run-jobs.js';
import { createLogger } from '../logger.js';
import { perConfiguration } from './per-configuration.js';

const logger = createLogger();
const jobsDeps = perConfiguration(() => buildJobsDeps(parseConfig(process.env), logger));

/** Time kept back from Lambda's timeout: a step under way finishes and saves within it. */
const MARGIN_MS = 15_000;

/**
 * Every minute (EventBridge), and when a request creates a job (an asynchronous invoke): runs
 * due jobs a step at a time until none is due or the time is nearly up. One runs at a time.
 */
export async function handler(event: { id?: string; source?: string }, context: Context) {
  logger.addContext(context);
  const summary = await runJobs(jobsDeps(), {
    deadline: Date.now() + context.getRemainingTimeInMillis() - MARGIN_MS,
    owner: context.awsRequestId,
  });
  logger.info('jobs done', {
    schedule: 'jobs',
    eventId: event.id,
    source: event.source,
    ...summary,
  });
  return summary;
}
