import { describe, expect, it } from 'vitest';
import { articleIssueId, LEASE_MS, sendArticle } from '../../functions/core/delivery/send-article.js';
import { runTick } from '../../functions/core/delivery/tick.js';
import { MailFailure } from '../../functions/core/ports.js';
import { aSubscriber, anArticle, memoryDeliveryDeps } from '../support/builders.js';

async function withReaders(count: number, overrides = {}) {
  const deps = memoryDeliveryDeps();
  const readers = Array.from({ length: count }, () => aSubscriber(overrides));
  for (const r of readers) await deps.subscribers.create(r);
  return { deps, readers };
}

describe('sending an article', () => {
  it('mails each confirmed subscriber of its topics once, with their own unsubscribe link and list headers', async () => {
    const { deps, readers } = await withReaders(25);
    const others = [
      aSubscriber({ state: 'pending' }),
      aSubscriber({ state: 'unsubscribed' }),
      aSubscriber({ state: 'bounced' }),
      aSubscriber({ topics: ['economy'] }),
    ];
    for (const o of others) await deps.subscribers.create(o);

    const summary = await sendArticle(deps, anArticle({ topics: ['security', 'politics'] }));

    expect(summary).toMatchObject({ total: 25, sent: 25, skipped: 0, ambiguous: [], failed: [] });
    expect(deps.mailer.sent.map((m) => m.to).sort()).toEqual(readers.map((r) => r.email).sort());
    const mail = deps.mailer.to(readers[0]!.email)[0]!;
    const token = deps.signer.sign('unsubscribe', readers[0]!.id);
    expect(mail.headers).toMatchObject({
      'List-Unsubscribe': `<https://news.example.org/unsubscribe/${token}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Id': 'The Test Gazette <gazette.example.org>',
    });
    expect(mail.html).toContain(`href="https://news.example.org/unsubscribe/${token}"`);
    expect((await deps.issues.get(articleIssueId('test-article')))).toMatchObject({ state: 'sent', summary: { sent: 25 } });
  });

  it('sends nobody the article twice when run again, and reaches readers confirmed since', async () => {
    const { deps } = await withReaders(10);
    await sendArticle(deps, anArticle());
    const late = aSubscriber();
    await deps.subscribers.create(late);

    const again = await sendArticle(deps, anArticle());

    expect(again).toMatchObject({ total: 11, sent: 1, skipped: 10 });
    expect(deps.mailer.sent).toHaveLength(11);
    expect(new Set(deps.mailer.sent.map((m) => m.to)).size).toBe(11);
  });

  it('retries throttling until SES takes the message: throttling is never a failure', async () => {
    const { deps } = await withReaders(10);
    let calls = 0;
    deps.mailer.failWith = () => (++calls % 3 !== 0 ? new MailFailure('throttled', 'Maximum sending rate exceeded') : undefined);
    const summary = await sendArticle(deps, anArticle());
    expect(summary).toMatchObject({ sent: 10, failed: [] });
    expect(deps.mailer.sent).toHaveLength(10);
  });

  it('never resends a recipient whose outcome is unknown, and lists them', async () => {
    const { deps, readers } = await withReaders(5);
    const unlucky = readers[2]!;
    deps.mailer.failWith = (m) => (m.to === unlucky.email ? new MailFailure('unknown', 'socket hang up') : undefined);
    const first = await sendArticle(deps, anArticle());
    expect(first.ambiguous).toEqual([unlucky.id]);

    deps.mailer.failWith = undefined;
    const second = await sendArticle(deps, anArticle());
    expect(second.ambiguous).toEqual([unlucky.id]);
    expect(deps.mailer.to(unlucky.email)).toHaveLength(0);
  });

  it('retries a recipient SES refused on the next run', async () => {
    const { deps, readers } = await withReaders(3);
    const refused = readers[0]!;
    deps.mailer.failWith = (m) => (m.to === refused.email ? new MailFailure('rejected', 'MessageRejected') : undefined);
    expect((await sendArticle(deps, anArticle())).failed).toEqual([{ subscriberId: refused.id, reason: 'MessageRejected' }]);
    deps.mailer.failWith = undefined;
    expect(await sendArticle(deps, anArticle())).toMatchObject({ sent: 1, skipped: 2, failed: [] });
  });

  it('lets only one worker send an issue at a time; the tick resumes it once the lease runs out', async () => {
    const { deps } = await withReaders(4);
    const article = anArticle();
    const articles = { bySlug: async (slug: string) => (slug === article.slug ? article : undefined) };
    // A worker that started and died: the issue is "sending", its lease still fresh.
    await deps.issues.begin(articleIssueId(article.slug), article.slug, deps.clock.now());
    await deps.issues.acquireLease(articleIssueId(article.slug), 'dead-worker', deps.clock.now(), new Date(deps.clock.now().getTime() + LEASE_MS));

    await expect(sendArticle(deps, article)).rejects.toMatchObject({ code: 'conflict' });
    expect(await runTick({ ...deps, articles })).toMatchObject({ resumed: [], busy: [articleIssueId(article.slug)] });

    deps.clock.advance(LEASE_MS + 1);
    const tick = await runTick({ ...deps, articles });
    expect(tick.resumed).toHaveLength(1);
    expect(tick.resumed[0]).toMatchObject({ sent: 4 });
    expect(await runTick({ ...deps, articles })).toEqual({ resumed: [], busy: [], missing: [] });
  });

  it('stops at once when SES pauses the account, and says why', async () => {
    const { deps } = await withReaders(3);
    deps.mailer.failWith = () => new MailFailure('account_paused', 'AccountSendingPausedException');
    await expect(sendArticle(deps, anArticle())).rejects.toThrow(/AccountSendingPaused/);
    expect(deps.mailer.sent).toHaveLength(0);
  });
});
