import type { IssueRecord, IssueRepository } from '../../core/ports.js';

export class MemoryIssueRepository implements IssueRepository {
  readonly records = new Map<string, IssueRecord>();

  async begin(issueId: string, articleSlug: string, at: Date) {
    const existing = this.records.get(issueId);
    const record: IssueRecord = existing
      ? { ...existing, state: 'sending' }
      : { issueId, articleSlug, state: 'sending', startedAt: at.toISOString() };
    this.records.set(issueId, record);
    return { ...record };
  }

  async acquireLease(issueId: string, owner: string, now: Date, until: Date) {
    const record = this.records.get(issueId);
    if (!record) return false;
    const free = !record.leaseUntil || Date.parse(record.leaseUntil) < now.getTime() || record.leaseOwner === owner;
    if (!free) return false;
    Object.assign(record, { leaseOwner: owner, leaseUntil: until.toISOString() });
    return true;
  }

  async finish(issueId: string, owner: string, summary: NonNullable<IssueRecord['summary']>, at: Date) {
    const record = this.records.get(issueId);
    if (!record || record.leaseOwner !== owner) return;
    Object.assign(record, { state: 'sent', finishedAt: at.toISOString(), summary, leaseOwner: undefined, leaseUntil: undefined });
  }

  async listSending() {
    return [...this.records.values()].filter((r) => r.state === 'sending').map((r) => ({ ...r }));
  }

  async get(issueId: string) {
    const record = this.records.get(issueId);
    return record && { ...record };
  }
}
