import type { Article } from '../../../functions/core/content/article.js';
import type {
  DigestFrequency,
  Engagement,
  Issue,
  IssueState,
  ShardProgress,
} from '../../../functions/core/issues/issue.js';
import { noEngagement, zeroCounts } from '../../../functions/core/issues/issue.js';
import type { IssueRepository } from '../../../functions/core/ports.js';
import type { SendingHold } from '../../../functions/core/issues/sending-hold.js';
import { keyOrder } from './key-order.js';
import { VersionedItems } from './versioned-items.js';

export class MemoryIssueRepository extends VersionedItems<Issue> implements IssueRepository {
  readonly shardItems = new Map<string, ShardProgress>();
  readonly stats = new Map<string, Engagement>();

  async latestDigest(frequency: DigestFrequency, period: string) {
    const earlier = [...this.items.values()]
      .filter(
        (i) =>
          i.content.kind === 'digest' &&
          i.content.frequency === frequency &&
          i.content.period < period,
      )
      .sort((a, b) => keyOrder(b.id, a.id));
    return earlier[0] && structuredClone(earlier[0]);
  }
  async listByState(state: IssueState, limit = 1000) {
    // The adapter's index key: creation time, then id.
    const indexKey = (i: Issue) => `${i.createdAt}#${i.id}`;
    return [...this.items.values()]
      .filter((i) => i.state === state)
      .sort((a, b) => keyOrder(indexKey(a), indexKey(b)))
      .slice(0, limit)
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
  // No await between the read and the write: DynamoDB's ADD is atomic, so concurrent calls add up.
  async addEngagement(issueId: string, change: Partial<Engagement>) {
    const current = this.stats.get(issueId) ?? noEngagement();
    for (const [field, value] of Object.entries(change))
      current[field as keyof Engagement] += value;
    this.stats.set(issueId, current);
  }
  async engagement(issueId: string): Promise<Engagement> {
    return { ...(this.stats.get(issueId) ?? noEngagement()) };
  }
  private hold: SendingHold | undefined;
  async sendingHold() {
    return this.hold && { ...this.hold };
  }
  async holdSending(hold: SendingHold) {
    if (this.hold) return false;
    this.hold = { ...hold };
    return true;
  }
  async clearSendingHold() {
    const cleared = this.hold;
    this.hold = undefined;
    return cleared;
  }
  /** Each issue's snapshot, by slug. */
  readonly snapshots = new Map<string, Map<string, Article>>();
  async snapshot(issueId: string) {
    return [...(this.snapshots.get(issueId)?.values() ?? [])].map((a) => structuredClone(a));
  }
  async keepInSnapshot(issueId: string, article: Article) {
    const kept = this.snapshots.get(issueId) ?? new Map<string, Article>();
    this.snapshots.set(issueId, kept);
    if (kept.has(article.slug)) return false;
    kept.set(article.slug, structuredClone(article));
    return true;
  }
}
