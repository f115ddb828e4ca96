import type {
  ArticleApproval,
  PublicationLog,
  PublishedArticle,
} from '../../../functions/core/ports.js';

export class MemoryPublicationLog implements PublicationLog {
  baselineSlugs: string[] | undefined;
  readonly articles = new Map<string, PublishedArticle>();
  readonly cutoffs = new Map<string, string>();
  async baseline(slugs: readonly string[]) {
    this.baselineSlugs ??= [...slugs];
    return [...this.baselineSlugs];
  }
  async markPublished(slug: string, at: Date, options: { waiting?: boolean } = {}) {
    if (this.articles.has(slug)) return false;
    const publishedAt = at.toISOString();
    this.articles.set(slug, {
      slug,
      publishedAt,
      ...(options.waiting ? { approval: 'waiting' as const } : {}),
    });
    return true;
  }
  async published() {
    return [...this.articles.values()].map((a) => ({ ...a }));
  }
  async publishedArticle(slug: string) {
    const found = this.articles.get(slug);
    return found && { ...found };
  }
  async decide(slug: string, decision: Exclude<ArticleApproval, 'waiting'>, by: string, at: Date) {
    const found = this.articles.get(slug);
    if (found?.approval !== 'waiting') return false;
    this.articles.set(slug, {
      ...found,
      approval: decision,
      decidedBy: by,
      decidedAt: at.toISOString(),
    });
    return true;
  }
  async digestCutoff(frequency: string) {
    return this.cutoffs.get(frequency);
  }
  async advanceDigestCutoff(frequency: string, to: string) {
    if ((this.cutoffs.get(frequency) ?? '') < to) this.cutoffs.set(frequency, to);
  }
}
