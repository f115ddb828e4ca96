import type {
  EventLog,
  PublicationLog,
  QuotaSource,
  SendQuota,
  SuppressionList,
  SuppressionReason,
} from '../../core/ports.js';

export class MemorySuppressionList implements SuppressionList {
  readonly entries = new Map<string, { reason: SuppressionReason; at: string }>();
  async suppress(email: string, reason: SuppressionReason, at: Date) {
    if (!this.entries.has(email)) this.entries.set(email, { reason, at: at.toISOString() });
  }
  async isSuppressed(email: string) {
    return this.entries.has(email);
  }
  async suppressedAmong(emails: readonly string[]) {
    return new Set(emails.filter((e) => this.entries.has(e)));
  }
  async remove(email: string) {
    this.entries.delete(email);
  }
}

export class MemoryEventLog implements EventLog {
  readonly keys = new Set<string>();
  async record(key: string) {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    return true;
  }
  async forget(key: string) {
    this.keys.delete(key);
  }
}

export class MemoryPublicationLog implements PublicationLog {
  baselineSlugs: string[] | undefined;
  readonly publishedAt = new Map<string, string>();
  readonly cutoffs = new Map<string, string>();
  async baseline(slugs: readonly string[]) {
    this.baselineSlugs ??= [...slugs];
    return [...this.baselineSlugs];
  }
  async markPublished(slug: string, at: Date) {
    if (this.publishedAt.has(slug)) return false;
    this.publishedAt.set(slug, at.toISOString());
    return true;
  }
  async published() {
    return [...this.publishedAt].map(([slug, publishedAt]) => ({ slug, publishedAt }));
  }
  async digestCutoff(frequency: string) {
    return this.cutoffs.get(frequency);
  }
  async advanceDigestCutoff(frequency: string, to: string) {
    if ((this.cutoffs.get(frequency) ?? '') < to) this.cutoffs.set(frequency, to);
  }
}

export class FixedQuota implements QuotaSource {
  constructor(
    public quota: SendQuota = { maxSendRate: 1000, max24HourSend: 1_000_000, sentLast24Hours: 0 },
  ) {}
  async get() {
    return { ...this.quota };
  }
}
