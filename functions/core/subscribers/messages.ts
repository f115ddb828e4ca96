import { listHeaders } from '../email/list-headers.js';
import { readerValues } from '../email/merge-tags.js';
import { preparePersonalization } from '../email/personalize.js';
import { confirmationLink, readerLinks } from '../links.js';
import type { OutgoingMessage } from '../ports.js';
import type { SubscriberDeps } from './deps.js';

/** What rendering a reader's email takes: no store. */
type MessageDeps = Pick<SubscriberDeps, 'publication' | 'templates' | 'signer'>;
import type { Frequency, Subscriber } from './subscriber.js';

/** Values every template may use; the footer partial needs them all. */
export function publicationValues(deps: Pick<SubscriberDeps, 'publication'>) {
  return {
    publication_name: deps.publication.name,
    postal_address: deps.publication.postalAddress,
    base_url: deps.publication.baseUrl,
  };
}

export function confirmationMessage(
  deps: MessageDeps,
  subscriber: Subscriber,
  now: Date,
): OutgoingMessage {
  const personalize = preparePersonalization(deps.templates.confirmation);
  const body = personalize({
    ...readerValues(subscriber),
    ...publicationValues(deps),
    confirm_url: confirmationLink(deps.publication, deps.signer, subscriber.id, now),
    email: subscriber.email,
  });
  return {
    to: subscriber.email,
    subject: `Confirm your subscription to ${deps.publication.name}`,
    ...body,
    tags: { kind: 'confirmation' },
  };
}

const frequencyLabels: Record<Frequency, string> = {
  immediate: 'with each article as it is published',
  daily: 'once a day, in a daily digest',
  weekly: 'once a week, in a weekly digest',
};

/** The reader's topics by label, in the publication's order; commas, since labels hold "and". */
export function topicsLabel(deps: Pick<SubscriberDeps, 'publication'>, topics: readonly string[]) {
  return deps.publication.topics
    .filter((t) => topics.includes(t.id))
    .map((t) => t.label)
    .join(', ');
}

/** The welcome says what the reader chose, so a wrong choice is noticed at once. */
export function welcomeMessage(deps: MessageDeps, subscriber: Subscriber): OutgoingMessage {
  const links = readerLinks(deps.publication, deps.signer, subscriber.id);
  const personalize = preparePersonalization(deps.templates.welcome);
  const body = personalize({
    ...readerValues(subscriber),
    ...publicationValues(deps),
    topics_label: topicsLabel(deps, subscriber.topics),
    frequency_label: frequencyLabels[subscriber.frequency],
    unsubscribe_url: links.unsubscribe,
    preferences_url: links.preferences,
    email: subscriber.email,
  });
  return {
    to: subscriber.email,
    subject: `Welcome to ${deps.publication.name}`,
    ...body,
    headers: listHeaders(deps.publication, links.unsubscribe),
    tags: { kind: 'welcome' },
  };
}
