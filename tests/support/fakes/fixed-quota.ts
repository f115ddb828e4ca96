import type { QuotaSource, SendQuota } from '../../../functions/core/ports.js';

export class FixedQuota implements QuotaSource {
  constructor(
    public quota: SendQuota = { maxSendRate: 1000, max24HourSend: 1_000_000, sentLast24Hours: 0 },
  ) {}
  async get() {
    return { ...this.quota };
  }
}
