import { abSendOf, type AbSend } from '../issues/ab-test.js';
import type { Edition } from '../issues/digest-editions.js';
import type { Issue, ShardProgress } from '../issues/issue.js';
import type { Subscriber } from '../subscribers/subscriber.js';

type EditionOf = (reader: Subscriber) => Edition | undefined;

/**
 * A page of an A/B issue (ab-test.ts): only the readers of the shard's phase, each sent their
 * variant's subject (or the winner's). The others are passed over without a claim, so the other
 * phase can claim them. The body is rendered once as ever: only the Subject header and the
 * message's variant tag differ. An issue without a test: the page as it is.
 */
export function abPage(issue: Issue, shard: number, readers: Subscriber[]) {
  if (!issue.abTest) return { readers, editions: (editionOf: EditionOf) => editionOf };
  const sends = new Map<string, AbSend>();
  for (const reader of readers) {
    const send = abSendOf(issue, shard, reader.id);
    if (send) sends.set(reader.id, send);
  }
  return {
    readers: readers.filter((r) => sends.has(r.id)),
    editions:
      (editionOf: EditionOf): EditionOf =>
      (reader) => {
        const edition = editionOf(reader);
        const send = sends.get(reader.id);
        return edition && send && { ...edition, subject: send.subject, variant: send.variant };
      },
  };
}

/** The shard's sends by variant with a page's added, for the winner's rule and the report. */
export function variantsSent(
  issue: Issue,
  progress: ShardProgress,
  sentReaders: readonly string[],
): Pick<ShardProgress, 'variantSent'> {
  if (!issue.abTest || sentReaders.length === 0) return {};
  const sum = { ...progress.variantSent };
  for (const id of sentReaders) {
    const variant = abSendOf(issue, progress.shard, id)?.variant;
    if (variant) sum[variant] = (sum[variant] ?? 0) + 1;
  }
  return { variantSent: sum };
}
