import { transactionalTemplates } from '../../functions/adapters/templates/transactional.generated.js';
import { FixedQuota } from './fakes/fixed-quota.js';
import { MemoryEngagementStore } from './fakes/memory-engagement.js';
import { MemoryEventLog } from './fakes/memory-event-log.js';
import { MemoryIssueRepository } from './fakes/memory-issues.js';
import { MemoryLedger } from './fakes/memory-ledger.js';
import { MemoryPublicationLog } from './fakes/memory-publication-log.js';
import { drainOutbox } from '../../functions/core/outbox/drain.js';
import type { OutboxDeps } from '../../functions/core/outbox/deps.js';
import { MemoryOutboxStore } from './fakes/memory-outbox.js';
import { MemorySubscriberRepository } from './fakes/memory-subscribers.js';
import { memorySignupReads } from './fakes/memory-signup-reads.js';
import { MemorySuppressionList } from './fakes/memory-suppression-list.js';
import { RecordingMailer } from './fakes/recording-mailer.js';
import type { Article } from '../../functions/core/content/article.js';
import type { Issue } from '../../functions/core/issues/issue.js';
import type { CompiledEmail, IssueRenderer } from '../../functions/core/ports.js';
import type { Publication } from '../../functions/core/publication.js';
import type { SubscriberDeps } from '../../functions/core/subscribers/deps.js';
import { subscriberIdFor, type Subscriber } from '../../functions/core/subscribers/subscriber.js';
import { TokenSigner } from '../../functions/core/tokens.js';
import { SuppressionKeys } from '../../functions/core/suppression-key.js';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hmac-0123456789';
/** Suppression keys of a rotated secret: written under version 2, version 1 read too. */
export const testSuppressionKeys = new SuppressionKeys(
  'test-suppression-secret-version-2-0123456789',
  2,
  [{ version: 1, secret: 'test-suppression-secret-version-1-0123456789' }],
);

/** A clock that stands still until told to move. */
export function fixedClock(start = '2026-11-28T09:00:00.000Z') {
  let now = new Date(start);
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now = new Date(now.getTime() + ms);
    },
  };
}

export function aPublication(overrides: Partial<Publication> = {}): Publication {
  return {
    name: 'The Test Gazette',
    baseUrl: 'https://news.example.org',
    fromName: 'The Test Gazette',
    fromAddress: 'news@example.org',
    postalAddress: '1 Test Street, Testville',
    listId: 'gazette.example.org',
    topics: [
      { id: 'security', label: 'Security' },
      { id: 'politics', label: 'Politics' },
      { id: 'economy', label: 'Economy' },
    ],
    ...overrides,
  };
}

let counter = 0;
/** A unique address per call, so tests never share a subscriber by accident. */
export const uniqueEmail = (prefix = 'reader') =>
  `${prefix}.${process.pid}.${Date.now().toString(36)}.${counter++}@example.com`;

export function aSubscriber(overrides: Partial<Subscriber> = {}): Subscriber {
  const email = overrides.email ?? uniqueEmail();
  return {
    id: subscriberIdFor(email),
    email,
    state: 'confirmed',
    topics: ['security'],
    frequency: 'weekly',
    consent: {
      at: '2026-11-01T00:00:00.000Z',
      form: 'hosted',
      confirmedAt: '2026-11-01T00:05:00.000Z',
    },
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:05:00.000Z',
    confirmedAt: '2026-11-01T00:05:00.000Z',
    version: 1,
    ...overrides,
  };
}

export function anArticle(overrides: Partial<Article> = {}): Article {
  return {
    slug: 'test-article',
    title: 'A test article',
    date: new Date('2026-11-27T00:00:00Z'),
    summary: 'What happened.',
    topics: ['security'],
    desk: 'Test desk',
    sources: [],
    related: [],
    draft: false,
    sendWhenPublished: false,
    markdown: 'Body text.',
    html: overrides.html ?? '<p>Body text.</p>',
    emailHtml: overrides.emailHtml ?? overrides.html ?? '<p>Body text.</p>',
    ...overrides,
  };
}

/** Renders a minimal email with the same placeholders as the real templates, and counts renders. */
export function stubRenderer(): IssueRenderer & { renders: number } {
  return {
    renders: 0,
    async render(
      issue: Issue,
      articles: readonly Article[],
      _publication: Publication,
    ): Promise<CompiledEmail> {
      this.renders++;
      const titles = articles.map((a) => a.title).join(', ');
      return {
        html: `<h1>${issue.subject}</h1><p>${titles}</p><a href="%%unsubscribe_url%%">Unsubscribe</a> <a href="%%preferences_url%%">Preferences</a>`,
        text: `${issue.subject}\n${titles}\nUnsubscribe: %%unsubscribe_url%%`,
      };
    },
  };
}

/** The domain's dependencies as in-memory fakes, typed so tests can reach into them. */
export function memoryDeps() {
  const subscribers = new MemorySubscriberRepository();
  const suppressions = new MemorySuppressionList();
  return {
    subscribers,
    suppressions,
    signupReads: memorySignupReads(subscribers, suppressions),
    outbox: new MemoryOutboxStore(subscribers),
    mailer: new RecordingMailer(),
    // No pacing in unit tests of the domain: the outbox's rate has tests of its own.
    budget: { take: async () => {} },
    templates: transactionalTemplates,
    signer: new TokenSigner(TEST_SECRET),
    clock: fixedClock(),
    publication: aPublication(),
  } satisfies SubscriberDeps & OutboxDeps;
}

/** Articles for the delivery fakes: what `content/` would hold. */
export function articleSource(articles: Article[]) {
  return {
    list: articles,
    async all() {
      return [...this.list];
    },
    async bySlug(slug: string) {
      return this.list.find((a) => a.slug === slug);
    },
  };
}

export function memoryDeliveryDeps(articles: Article[] = [anArticle()]) {
  let monotonic = 0;
  return {
    ...memoryDeps(),
    ledger: new MemoryLedger(),
    issues: new MemoryIssueRepository(),
    publications: new MemoryPublicationLog(),
    events: new MemoryEventLog(),
    engagement: new MemoryEngagementStore(),
    quota: new FixedQuota(),
    renderer: stubRenderer(),
    articles: articleSource(articles),
    pacing: { rateFraction: 1, workers: 1, lanes: 1 },
    // A monotonic clock that only sleeping moves: waits take no real time, and pacing still sees them pass.
    sleep: async (ms: number) => void (monotonic += ms),
    monotonic: () => monotonic,
  };
}

/** The token inside a link such as https://…/confirm/<token>. */
export const tokenOf = (url: string) => url.split('/').at(-1)!;
export const linkIn = (text: string, path: string) => {
  const match = new RegExp(`https?://[^\\s\\]"<>]+/${path}/[A-Za-z0-9_.-]+`).exec(text);
  if (!match) throw new Error(`no /${path}/ link in:\n${text}`);
  return match[0];
};

/**
 * The mailer after the outbox has sent what is due: requests only queue their emails, so a test
 * of what a reader receives drains the outbox first, as the sender would within a second.
 */
export async function delivered(deps: ReturnType<typeof memoryDeps>) {
  await drainOutbox(deps);
  return deps.mailer;
}
