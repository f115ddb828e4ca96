import type { PublicationLog } from '../../../functions/core/ports.js';

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
