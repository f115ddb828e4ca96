import type { Article } from '../content/article.js';
import { prepareSplicing, type Splice } from '../email/personalize.js';
import type { DeliveryLedger, IssueRenderer } from '../ports.js';
import type { Publication } from '../publication.js';
import type { Subscriber } from '../subscribers/subscriber.js';
import { digestSubject } from './digests.js';
import type { Issue } from './issue.js';
import { articleDeliveryKey } from './manage-issues.js';

/** What one reader is sent of an issue: the subject and the parts compiled for it. */
export type Edition = {
  subject: string;
  personalize: Splice;
  /** An A/B issue's variant (or `rest`), tagged on the message so its opens and clicks count to it. */
  variant?: string;
};

/** Why a digest's reader was not sent it; the issue's report counts each reason. */
export const NOTHING_NEW = 'nothing new: every article already received as an issue';

type EditionDeps = {
  ledger: Pick<DeliveryLedger, 'receivedAmong'>;
  renderer: IssueRenderer;
  publication: Publication;
};

/**
 * The editions of one issue in one worker. An article issue has one. A digest leaves out, for
 * each reader, the articles that reader already received as an issue (the ledger's
 * `article:<slug>` entries): readers fall into groups by what they lack, and each group's
 * edition is rendered once, when first needed, never per reader.
 */
export class Editions {
  private readonly rendered = new Map<string, Edition>();

  constructor(
    private readonly deps: EditionDeps,
    private readonly issue: Issue,
    private readonly articles: readonly Article[],
  ) {}

  /**
   * Each reader's edition for one page of recipients: one batched ledger read per article of
   * the digest (none for an article issue), then a render of each set of articles the page needs
   * that no earlier page did. Undefined for a reader with nothing new.
   */
  async forPage(
    recipients: readonly Subscriber[],
  ): Promise<(reader: Subscriber) => Edition | undefined> {
    if (this.issue.content.kind !== 'digest') {
      const whole = await this.edition(this.articles);
      return () => whole;
    }
    const ids = recipients.map((r) => r.id);
    const received = await Promise.all(
      this.articles.map((a) => this.deps.ledger.receivedAmong(articleDeliveryKey(a.slug), ids)),
    );
    const lacking = new Map<string, Article[]>();
    for (const reader of recipients) {
      const articles = this.articles.filter((_, i) => !received[i]!.has(reader.id));
      if (articles.length > 0) lacking.set(reader.id, articles);
    }
    const editions = new Map<string, Edition>();
    for (const [id, articles] of lacking) editions.set(id, await this.edition(articles));
    return (reader) => editions.get(reader.id);
  }

  private async edition(articles: readonly Article[]): Promise<Edition> {
    const set = articles.map((a) => a.slug).join('\n');
    let edition = this.rendered.get(set);
    if (!edition) {
      edition = await this.render(articles);
      this.rendered.set(set, edition);
    }
    return edition;
  }

  private async render(articles: readonly Article[]): Promise<Edition> {
    const { content } = this.issue;
    const whole = articles.length === this.articles.length;
    const issue: Issue =
      content.kind === 'digest' && !whole
        ? {
            ...this.issue,
            subject: digestSubject(content.frequency, articles),
            content: { ...content, slugs: articles.map((a) => a.slug) },
          }
        : this.issue;
    const compiled = await this.deps.renderer.render(issue, articles, this.deps.publication);
    return { subject: issue.subject, personalize: prepareSplicing(compiled) };
  }
}
