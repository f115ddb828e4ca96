import { GetSendQuotaCommand, SESClient } from '@aws-sdk/client-ses';
import type { QuotaSource, SendQuota } from '../../core/ports.js';

/** SES's sending limits (`GetSendQuota`): MaxSendRate paces the workers, Max24HourSend pauses them. */
export class SesQuotaSource implements QuotaSource {
  constructor(private readonly client: SESClient = new SESClient({})) {}

  async get(): Promise<SendQuota> {
    const quota = await this.client.send(new GetSendQuotaCommand({}));
    return {
      maxSendRate: quota.MaxSendRate ?? 1,
      // SES answers -1 for an unlimited quota.
      max24HourSend: quota.Max24HourSend ?? -1,
      sentLast24Hours: quota.SentLast24Hours ?? 0,
    };
  }
}
