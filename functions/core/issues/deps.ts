import type { Clock } from '../clock.js';
import type { Article } from '../content/article.js';
import type { IssueRepository, SubscriberRepository } from '../ports.js';
import type { Publication } from '../publication.js';
import type { SegmentStore } from '../segments/ports.js';

export type ArticleSource = {
  all(): Promise<Article[]>;
  bySlug(slug: string): Promise<Article | undefined>;
};

export type IssueDeps = {
  issues: IssueRepository;
  subscribers: SubscriberRepository;
  articles: ArticleSource;
  clock: Clock;
  publication: Publication;
  /** Where an issue's segment is looked up; without it, an issue cannot target one. */
  segments?: SegmentStore;
};
