import type {
  EngagementStore,
  LinkEngagement,
  ReaderEngagement,
  ReaderMarks,
} from '../../../functions/core/ports.js';

/** DynamoEngagementStore in memory: no await between a read and its write, as its updates are atomic. */
export class MemoryEngagementStore implements EngagementStore {
  readonly readers = new Map<
    string,
    ReaderEngagement & { subscriberId: string; links: Set<string>; hiddenLinkAt?: string }
  >();
  readonly linkStats = new Map<string, LinkEngagement>();

  private reader(issueId: string, subscriberId: string) {
    const key = `${issueId}/${subscriberId}`;
    let item = this.readers.get(key);
    if (!item) {
      item = { issueId, subscriberId, opens: 0, clicks: [], links: new Set() };
      this.readers.set(key, item);
    }
    return item;
  }
  async delivered(issueId: string, subscriberId: string, at: Date) {
    const item = this.reader(issueId, subscriberId);
    item.deliveredAt ??= at.toISOString();
  }
  async marks(issueId: string, subscriberId: string): Promise<ReaderMarks> {
    const item = this.readers.get(`${issueId}/${subscriberId}`);
    return {
      ...(item?.deliveredAt && { deliveredAt: new Date(item.deliveredAt) }),
      ...(item?.hiddenLinkAt && { hiddenLinkAt: new Date(item.hiddenLinkAt) }),
    };
  }
  async hiddenLinkFollowed(issueId: string, subscriberId: string, at: Date) {
    const item = this.reader(issueId, subscriberId);
    item.hiddenLinkAt ??= at.toISOString();
  }
  async opened(issueId: string, subscriberId: string, at: Date) {
    const item = this.reader(issueId, subscriberId);
    const first = item.openedAt === undefined;
    item.openedAt ??= at.toISOString();
    item.opens++;
    return first;
  }
  async clicked(issueId: string, subscriberId: string, link: string, at: Date) {
    const item = this.reader(issueId, subscriberId);
    const result = { firstOfIssue: item.links.size === 0, firstOfLink: !item.links.has(link) };
    item.links.add(link);
    item.clicks.push({ link, at: at.toISOString() });
    return result;
  }
  async addLinkClicks(
    issueId: string,
    link: string,
    change: Partial<Omit<LinkEngagement, 'link'>>,
  ) {
    const key = `${issueId}/${link}`;
    const sum = this.linkStats.get(key) ?? { link, clicks: 0, uniqueClickers: 0, botClicks: 0 };
    sum.clicks += change.clicks ?? 0;
    sum.uniqueClickers += change.uniqueClickers ?? 0;
    sum.botClicks += change.botClicks ?? 0;
    this.linkStats.set(key, sum);
  }
  async links(issueId: string) {
    return [...this.linkStats.entries()]
      .filter(([key]) => key.startsWith(`${issueId}/`))
      .map(([, v]) => ({ ...v }))
      .sort((a, b) => b.clicks - a.clicks || b.botClicks - a.botClicks);
  }
  async history(subscriberId: string) {
    return [...this.readers.values()]
      .filter((r) => r.subscriberId === subscriberId)
      .map(({ subscriberId: _, links: __, hiddenLinkAt: ___, ...r }) => structuredClone(r));
  }
}
