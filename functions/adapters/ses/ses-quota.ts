import type { SESClient, SESClientConfig } from '@aws-sdk/client-ses';
import type { QuotaSource, SendQuota } from '../../core/ports.js';

/**
 * SES's sending limits (`GetSendQuota`): MaxSendRate paces the workers, Max24HourSend pauses them.
 * The SDK is loaded on first use, as in SesMailer: the public API shares this module's file
 * (config.ts) but never asks for the quota, and must not pay for loading the client.
 */
export class SesQuotaSource implements QuotaSource {
  private client?: SESClient;

  /** Never the mailer's client: this one keeps the SDK's retries, harmless for a read. */
  constructor(private readonly config: SESClientConfig = {}) {}

  async get(): Promise<SendQuota> {
    const { SESClient, GetSendQuotaCommand } = await import('@aws-sdk/client-ses');
    this.client ??= new SESClient(this.config); // one client (and its connections) for the instance's life
    const quota = await this.client.send(new GetSendQuotaCommand({}));
    return {
      maxSendRate: quota.MaxSendRate ?? 1,
      // SES answers -1 for an unlimited quota.
      max24HourSend: quota.Max24HourSend ?? -1,
      sentLast24Hours: quota.SentLast24Hours ?? 0,
    };
  }
}
