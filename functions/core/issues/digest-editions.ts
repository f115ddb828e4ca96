import type { Article } from '../content/article.js';
import { preparePersonalization, type Personalize } from '../email/personalize.js';
import type { DeliveryLedger, IssueRenderer } from '../ports.js';
import type { Publication } from '../publication.js';
import type { Subscriber } from '../subscribers/subscriber.js';
import { digestSubject } from './digests.js';
import type { Issue } from './issue.js';
import { articleDeliveryKey } from './manage-issues.js';

/** What one reader is sent of an issue: the subject and the parts compiled for it. */
export type Edition = { subject: string; personalize: Personalize };

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
  private readonly rendered = new Map<string, Promise<Edition>>();

  constructor(
    private readonly deps: EditionDeps,
    private readonly issue: Issue,
    private readonly articles: readonly Article[],
  ) {}

  /**
   * Each reader's edition for one page of recipients: one batched ledger read per article of
   * the digest, none for an article issue. Undefined for a reader with nothing new.
   */
  async forPage(
    recipients: readonly Subscriber[],
  ): Promise<(reader: Subscriber) => Promise<Edition> | undefined> {
    if (this.issue.content.kind !== 'digest') return () => this.edition(this.articles);
    const ids = recipients.map((r) => r.id);
    const received = await Promise.all(
      this.articles.map((a) => this.deps.ledger.receivedAmong(articleDeliveryKey(a.slug), ids)),
    );
    return (reader) => {
      const lacking = this.articles.filter((_, i) => !received[i]!.has(reader.id));
      return lacking.length === 0 ? undefined : this.edition(lacking);
    };
  }

  private edition(articles: readonly Article[]): Promise<Edition> {
    const set = articles.map((a) => a.slug).join('\n');
    let edition = this.rendered.get(set);
    if (!edition) {
      edition = this.render(articles);
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
    return { subject: issue.subject, personalize: preparePersonalization(compiled) };
  }
}
