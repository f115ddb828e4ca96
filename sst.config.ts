/// <reference path="./.sst/platform/config.d.ts" />

/**
 * The AWS deployment. Only imports the infra files and returns their outputs: each file owns
 * one concern and exports what the others link to (README "Deploy").
 */
export default $config({
  app(input) {
    return {
      name: 'dispatch',
      home: 'aws',
      // Production keeps its data when removed: the table (subscribers, send ledger) is retained.
      removal: input?.stage === 'production' ? 'retain' : 'remove',
      // And `sst remove --stage production` refuses outright: removing it takes a code change.
      protect: input?.stage === 'production',
      // Prices in the README are us-east-1's; AWS_REGION picks another.
      providers: { aws: { region: process.env.AWS_REGION ?? 'us-east-1' } },
    };
  },
  async run() {
    const { signingSecret } = await import('./infra/secrets.js');
    const { table } = await import('./infra/table.js');
    const { blobs } = await import('./infra/storage.js');
    const { email } = await import('./infra/email.js');
    const { api } = await import('./infra/api.js');
    await import('./infra/events.js');
    const { sesEventsDeadLetters, reputationPauseDeadLetters } = await import(
      './infra/dead-letters.js'
    );
    const { outboxFailures } = await import('./infra/outbox.js');
    const { crons } = await import('./infra/schedules.js');
    const { shardWork, shardWorkDeadLetters } = await import('./infra/shard-work.js');
    await import('./infra/fleet.js');
    // After every function: the alarms watch each one, the dashboard graphs what they watch.
    await import('./infra/alarms.js');
    await import('./infra/runtime-updates.js');
    const { dashboard } = await import('./infra/dashboard.js');
    return {
      // Names whose outputs .sst/outputs.json holds: the CLI refuses another stage's (cli/target.ts).
      stage: $app.stage,
      url: api.url,
      table: table.name,
      blobs: blobs.name,
      sender: email.sender,
      configurationSet: email.configSet,
      schedules: Object.keys(crons).join(', '),
      signingSecret: signingSecret.name,
      // SES_EVENTS_DLQ_URL for `npm run events` (docs/sending.md).
      sesEventsDeadLetters: sesEventsDeadLetters.url,
      outboxFailures: outboxFailures.url,
      // A reputation alarm's event the pause failed on: sending was not held (docs/sending.md).
      reputationPauseDeadLetters: reputationPauseDeadLetters.url,
      shardWork: shardWork.url,
      shardWorkDeadLetters: shardWorkDeadLetters.url,
      dashboard: dashboard.dashboardName,
    };
  },
});
