import type { LambdaClient } from '@aws-sdk/client-lambda';
import { type ClientSource, clientOf } from '../aws/on-first-use.js';
import type { JobKicker } from '../../core/jobs/ports.js';
import type { Logger } from '../../logger.js';

/**
 * Wakes the `jobs` function with an asynchronous invocation (Lambda queues it and answers at
 * once). Its reserved concurrency of one means a kick while it runs is throttled and, after its
 * 60 s event age, dropped: the running runner takes the new job in its own loop anyway. The
 * Lambda package is loaded by the first kick, not by the cold start of the admin function.
 */
export class LambdaJobKicker implements JobKicker {
  private readonly client: () => Promise<LambdaClient>;

  constructor(
    client: ClientSource<LambdaClient>,
    private readonly functionName: string,
    private readonly logger?: Logger,
  ) {
    this.client = clientOf(client);
  }

  async kick(): Promise<void> {
    try {
      const { InvokeCommand } = await import('@aws-sdk/client-lambda');
      const client = await this.client();
      await client.send(
        new InvokeCommand({
          FunctionName: this.functionName,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify({ source: 'dispatch.kick' })),
        }),
      );
    } catch (error) {
      // Best effort: the minute's schedule runs the job anyway.
      this.logger?.warn('job runner kick failed', { functionName: this.functionName, error });
    }
  }
}
