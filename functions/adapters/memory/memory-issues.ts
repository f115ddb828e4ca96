import type {
  DigestFrequency,
  Engagement,
  Issue,
  IssueState,
  ShardProgress,
} from '../../core/issues/issue.js';
import { zeroCounts } from '../../core/issues/issue.js';
import type { IssueRepository } from '../../core/ports.js';

export class MemoryIssueRepository implements IssueRepository {
  readonly items = new Map<string, Issue>();
  readonly shardItems = new Map<string, ShardProgress>();
  readonly stats = new Map<string, Engagement>();

  async create(issue: Issue) {
    if (this.items.has(issue.id)) return false;
    this.items.set(issue.id, structuredClone(issue));
    return true;
  }
  async get(id: string) {
    const issue = this.items.get(id);
    return issue && structuredClone(issue);
  }
  async save(next: Issue) {
    const current = this.items.get(next.id);
    if (!current || current.version !== next.version - 1) return false;
    this.items.set(next.id, structuredClone(next));
    return true;
  }
  async latestDigest(frequency: DigestFrequency, period: string) {
    const earlier = [...this.items.values()]
      .filter(
        (i) =>
          i.content.kind === 'digest' &&
          i.content.frequency === frequency &&
          i.content.period < period,
      )
      .sort((a, b) => b.id.localeCompare(a.id));
    return earlier[0] && structuredClone(earlier[0]);
  }
  async listByState(state: IssueState) {
    return [...this.items.values()]
      .filter((i) => i.state === state)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map((i) => structuredClone(i));
  }
  async shards(issueId: string) {
    return [...this.shardItems.values()]
      .filter((s) => s.issueId === issueId)
      .sort((a, b) => a.shard - b.shard)
      .map((s) => structuredClone(s));
  }
  async claimShard(issueId: string, shard: number, owner: string, now: Date, until: Date) {
    const key = `${issueId}/${shard}`;
    const current = this.shardItems.get(key) ?? {
      issueId,
      shard,
      done: false,
      counts: zeroCounts(),
      ambiguous: [],
      failures: [],
    };
    if (current.done) return undefined;
    if (
      current.leaseOwner &&
      current.leaseOwner !== owner &&
      current.leaseUntil &&
      Date.parse(current.leaseUntil) >= now.getTime()
    )
      return undefined;
    const claimed = { ...current, leaseOwner: owner, leaseUntil: until.toISOString() };
    this.shardItems.set(key, claimed);
    return structuredClone(claimed);
  }
  async saveShard(progress: ShardProgress, owner: string) {
    const key = `${progress.issueId}/${progress.shard}`;
    if (this.shardItems.get(key)?.leaseOwner !== owner) return false;
    this.shardItems.set(key, structuredClone({ ...progress, leaseOwner: owner }));
    return true;
  }
  async addEngagement(issueId: string, change: Partial<Engagement>) {
    const current = await this.engagement(issueId);
    for (const [field, value] of Object.entries(change))
      current[field as keyof Engagement] += value;
    this.stats.set(issueId, current);
  }
  async engagement(issueId: string): Promise<Engagement> {
    return {
      ...(this.stats.get(issueId) ?? {
        delivered: 0,
        bounced: 0,
        complained: 0,
        opened: 0,
        clicked: 0,
      }),
    };
  }
}
