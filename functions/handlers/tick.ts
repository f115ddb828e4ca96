import type { EventBridgeEvent } from 'aws-lambda';
import { MjmlIssueRenderer } from '../adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../config.js';
import { runTick } from '../core/delivery/tick.js';

const deps = buildDeliveryDeps(parseConfig(process.env), new MjmlIssueRenderer(process.env.TEMPLATES_DIR ?? 'templates'));

/** EventBridge scheduled event, every minute: resume unfinished sends. */
export async function handler(event: EventBridgeEvent<'Scheduled Event', unknown>) {
  const result = await runTick(await deps);
  console.log(JSON.stringify({
    level: 'info', schedule: 'tick', eventId: event.id, time: event.time,
    resumed: result.resumed.map((s) => ({ issueId: s.issueId, sent: s.sent, skipped: s.skipped, ambiguous: s.ambiguous.length, failed: s.failed.length })),
    busy: result.busy, missing: result.missing,
  }));
  return { resumed: result.resumed.length, busy: result.busy.length, missing: result.missing.length };
}
