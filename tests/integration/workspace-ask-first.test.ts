/**
 * Every irreversible action in the workspace asks first: the first POST changes nothing and
 * answers a page saying what will happen, naming the address or the issue; only the same form
 * posted again with `confirmed=yes` does it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { createArticleIssue, estimateAudience } from '../../functions/core/issues/manage-issues.js';
import { newSegment } from '../../functions/core/segments/segment.js';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import { createAdminApp } from '../../functions/http/admin/admin-app.js';
import type { LocalStack } from '../../local/stack.js';
import { uniqueEmail } from '../support/builders.js';
import { quietLogger } from '../support/logger.js';
import { startTestStack } from '../support/stack.js';

const SLUG = 'nato-western-balkans-stability';
let stack: LocalStack;
let app: ReturnType<typeof createAdminApp>;
let cookie: string;
let csrf: string;

beforeAll(async () => {
  stack = await startTestStack();
  app = createAdminApp(stack.deps, { logger: quietLogger() });
  const { key } = await createApiKey(stack.deps, {
    name: 'Careful editor',
    email: 'careful.editor@example.org',
    role: 'editor',
  });
  const signedIn = await app.request('/admin/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key }).toString(),
  });
  cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
  const dashboard = await (await app.request('/admin', { headers: { cookie } })).text();
  csrf = /name="_csrf" value="([^"]+)"/.exec(dashboard)![1]!;
});
afterAll(async () => stack?.close());

const post = (path: string, fields: Record<string, string>) =>
  app.request(path, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
  });

/** The question page: 200, what it says, and a form that posts the same fields, confirmed. */
async function asked(response: Response, path: string, fields: Record<string, string> = {}) {
  expect(response.status).toBe(200);
  const html = await response.text();
  expect(html).toContain(`<form method="post" action="${path}"`);
  expect(html).toContain('<input type="hidden" name="confirmed" value="yes"/>');
  for (const [name, value] of Object.entries(fields))
    expect(html).toContain(`<input type="hidden" name="${name}" value="${value}"/>`);
  return /data-testid="consequence">([^<]*)</.exec(html)![1]!.replace(/&#39;/g, "'");
}

async function aReader() {
  const email = uniqueEmail('careful');
  const id = subscriberIdFor(email);
  expect((await post('/admin/subscribers', { email })).status).toBe(303);
  return { email, id };
}

describe('the workspace asks before what cannot be undone', () => {
  it('erasing a reader names the address, and erases only when confirmed', async () => {
    const { email, id } = await aReader();
    const says = await asked(
      await post(`/admin/subscribers/${id}/erase`, {}),
      `/admin/subscribers/${id}/erase`,
    );
    expect(says).toMatch(
      new RegExp(
        `^${email.replace(/\./g, '\\.')}'s record, choices, consent and sending history are deleted now, and cannot be restored`,
      ),
    );
    expect(await stack.deps.subscribers.get(id)).toBeDefined();

    const done = await post(`/admin/subscribers/${id}/erase`, { confirmed: 'yes' });
    expect(done.status).toBe(303);
    expect(await stack.deps.subscribers.get(id)).toBeUndefined();
  });

  it('sending and cancelling an issue name it, and leave it as it was until confirmed', async () => {
    const issue = await createArticleIssue(stack.deps, { article: SLUG, id: 'careful-issue' });
    const sendSays = await asked(
      await post(`/admin/issues/${issue.id}/send`, {}),
      `/admin/issues/${issue.id}/send`,
    );
    expect(sendSays).toMatch(
      /^It goes out at once to the confirmed readers of .+ An email cannot be recalled/,
    );
    const cancelSays = await asked(
      await post(`/admin/issues/${issue.id}/cancel`, {}),
      `/admin/issues/${issue.id}/cancel`,
    );
    expect(cancelSays).toMatch(/cannot be resumed or sent again/);
    expect((await stack.deps.issues.get(issue.id))?.state).toBe('draft');

    expect((await post(`/admin/issues/${issue.id}/cancel`, { confirmed: 'yes' })).status).toBe(303);
    expect((await stack.deps.issues.get(issue.id))?.state).toBe('cancelled');
  });

  it('"Send now" and scheduling are reviewed first: what, from whom, to how many, when', async () => {
    const issue = await createArticleIssue(stack.deps, { article: SLUG, id: 'reviewed-issue' });
    const about = await estimateAudience(stack.deps, issue.audience);
    const review = async (response: Response) => {
      const html = await response.text();
      const facts = /<dl class="facts" data-testid="review">(.*?)<\/dl>/s.exec(html)![1]!;
      return {
        html,
        facts: Object.fromEntries(
          [...facts.matchAll(/<dt>([^<]+)<\/dt><dd>([^<]+)<\/dd>/g)].map((m) => [m[1], m[2]]),
        ),
      };
    };
    const now = await review(await post(`/admin/issues/${issue.id}/send`, {}));
    expect(now.facts).toMatchObject({
      Subject: issue.subject,
      Content: `the article “${issue.subject}”`,
      From: `${stack.deps.publication.fromName} &lt;${stack.deps.publication.fromAddress}&gt;`,
      Recipients: `about ${about} now, from the readers&#39; counters; counted exactly as it sends`,
      When: 'now, as soon as you confirm',
    });
    expect(now.facts.Audience).toMatch(/^the confirmed readers of .+ who chose every article/);
    expect(now.html).toContain(`>Send to ${about} reader${about === 1 ? '' : 's'}</button>`);

    // A time in the past comes back on the issue page, as typed, before any review.
    const past = await post(`/admin/issues/${issue.id}/schedule`, { at: '2020-01-01T07:00' });
    expect(past.status).toBe(422);
    const pastHtml = await past.text();
    expect(pastHtml).toContain('value="2020-01-01T07:00" aria-invalid="true"');
    expect(pastHtml).toContain('Send at: must be in the future.');

    const later = await review(
      await post(`/admin/issues/${issue.id}/schedule`, { at: '2030-01-01T07:00' }),
    );
    expect(later.facts.When).toBe('1 Jan 2030, 07:00 UTC');
    expect(later.html).toContain(`>Schedule for ${about} reader${about === 1 ? '' : 's'}</button>`);
    expect((await stack.deps.issues.get(issue.id))?.state).toBe('draft');
    const done = await post(`/admin/issues/${issue.id}/schedule`, {
      at: '2030-01-01T07:00',
      confirmed: 'yes',
    });
    expect(done.status).toBe(303);
    expect(await stack.deps.issues.get(issue.id)).toMatchObject({
      state: 'scheduled',
      scheduledAt: '2030-01-01T07:00:00.000Z',
    });
  });

  it('suppressing an address and mailing it again each ask, carrying what the editor typed', async () => {
    const email = uniqueEmail('suppress');
    const fields = { email, reason: 'asked by phone' };
    const says = await asked(
      await post('/admin/suppressions', fields),
      '/admin/suppressions',
      fields,
    );
    expect(says).toContain(`${email} is mailed nothing more`);
    expect(await stack.deps.suppressions.isSuppressed(email)).toBe(false);
    expect((await post('/admin/suppressions', { ...fields, confirmed: 'yes' })).status).toBe(303);
    expect(await stack.deps.suppressions.isSuppressed(email)).toBe(true);

    const again = { email, reason: 'they wrote back' };
    const removeSays = await asked(
      await post('/admin/suppressions/remove', again),
      '/admin/suppressions/remove',
      again,
    );
    expect(removeSays).toMatch(
      /^.+ was suppressed .+ Once removed, a signup or an import may mail it again/,
    );
    expect(await stack.deps.suppressions.isSuppressed(email)).toBe(true);
    expect((await post('/admin/suppressions/remove', { ...again, confirmed: 'yes' })).status).toBe(
      303,
    );
    expect(await stack.deps.suppressions.isSuppressed(email)).toBe(false);
  });

  it('the compose form’s audience boxes mean what they show: none ticked is refused, not everyone, on the form with what was typed kept', async () => {
    const compose = await (await app.request('/admin/issues', { headers: { cookie } })).text();
    expect(compose.match(/name="frequencies" value="\w+" checked/g)).toHaveLength(3);
    const refused = await app.request('/admin/issues', {
      method: 'POST',
      headers: {
        cookie,
        'content-type': 'application/x-www-form-urlencoded',
        referer: 'http://localhost/admin/issues',
      },
      body: new URLSearchParams([
        ['_csrf', csrf],
        ['article', SLUG],
        ['subject', 'Kept <subject> & all'],
        ['editorNote', 'A note typed once'],
        ['topics', 'security'],
        ['audience-offered', '1'],
      ]).toString(),
    });
    expect(refused.status).toBe(422);
    const html = await refused.text();
    // Back on the form it came from, said once by the field's label, with everything kept.
    expect(html.match(/role="alert"/g)).toHaveLength(1);
    expect(html).toContain('This draft was not created');
    expect(html).toMatch(/<li>Readers who chose: [^<]+<\/li>/);
    expect(html).toContain('value="Kept &lt;subject&gt; &amp; all"');
    expect(html).toContain('>A note typed once</textarea>');
    expect(html).toMatch(/name="topics" value="security" checked/);
    expect(html.match(/name="frequencies" value="\w+" checked/g)).toBeNull();
    expect(html).toMatch(/<option value="nato-western-balkans-stability" selected/);
    // Nothing was created by the refused form.
    const list = await (await app.request('/admin/issues', { headers: { cookie } })).text();
    expect(list).not.toContain('Kept &lt;subject&gt;');
    // Other refusals (not a form's fields) still say so once, with the way back to the form:
    // a link, to a workspace page only.
    const unknown = await app.request('/admin/issues/no-such-issue/send', {
      method: 'POST',
      headers: {
        cookie,
        'content-type': 'application/x-www-form-urlencoded',
        referer: 'http://localhost/admin/issues',
      },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('<a href="/admin/issues">Back to the form</a>');
    const elsewhere = await app.request('/admin/issues/no-such-issue/send', {
      method: 'POST',
      headers: {
        cookie,
        'content-type': 'application/x-www-form-urlencoded',
        referer: 'https://evil.example/admin/issues',
      },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    expect(await elsewhere.text()).not.toContain('Back to the form');
    // The article page's one button sends no boxes at all: the defaults, as it says.
    expect((await post('/admin/issues', { article: SLUG })).status).toBe(303);
  });
});

describe('a refused form comes back on its page, with what was typed kept', () => {
  const problemsOf = (html: string, id: string) =>
    new RegExp(`<div class="error" role="alert" id="${id}">(.*?)</div>`, 's')
      .exec(html)?.[1]
      ?.replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();

  it('a segment that reaches nobody: the compose form and "start this digest now" refuse it with its count, 0', async () => {
    const nobody = newSegment(
      {
        name: 'Readers in Atlantis',
        match: 'all',
        rules: [{ kind: 'field', key: 'city', op: 'equals', value: 'Atlantis' }],
      },
      new Date(),
    );
    await stack.deps.segments.create(nobody);
    const refused = await post('/admin/issues', {
      article: SLUG,
      subject: 'For Atlantis',
      segment: nobody.id,
    });
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(problemsOf(html, 'compose-error')).toBe(
      'This draft was not created. Please correct: Segment: matches no reader of this audience (count: 0)',
    );
    // The segment stays chosen on the form, marked, with the rest as typed.
    expect(html).toContain(`<option value="${nobody.id}" selected="">Readers in Atlantis</option>`);
    expect(html).toContain('value="For Atlantis"');
    expect((await stack.deps.issues.listByState('draft')).map((i) => i.subject)).not.toContain(
      'For Atlantis',
    );

    // The weekly digest set to it while it had readers (the store, past the check), now has none.
    await stack.deps.segments.setDigestSegment('weekly', nobody.id);
    await stack.deps.publications.markPublished(SLUG, new Date(Date.now() - 60_000));
    const digest = await post('/admin/digests', { frequency: 'weekly' });
    const page = await digest.text();
    expect(digest.status).toBe(422);
    expect(
      /data-testid="digest-refused">(.*?)<\/div>/s
        .exec(page)?.[1]
        ?.replace(/<[^>]+>/g, ' ')
        .replace(/&quot;|&#34;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/\s+/g, ' ')
        .trim(),
    ).toBe(
      'The weekly digest was not started: The segment "Readers in Atlantis" matches no reader of this audience (count: 0); nothing would be sent. Its period is still free. Change the digests\' audience · Back to issues',
    );
    const weekly = (await stack.deps.issues.listByState('sending')).filter((i) =>
      i.id.startsWith('digest-weekly-'),
    );
    expect(weekly).toEqual([]);
    await stack.deps.segments.setDigestSegment('weekly', undefined);
  });

  it('adding a reader with a bad address: the address kept, the problem named by its label', async () => {
    const refused = await post('/admin/subscribers', { email: 'petar@@example' });
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(problemsOf(html, 'add-problems')).toMatch(/^Not added: Address: .+/);
    expect(html).toContain('value="petar@@example" aria-invalid="true"');
    expect(html.match(/role="alert"/g)).toHaveLength(1);
  });

  it('adding a reader with a name and fields: an editor-only field is set, a bad one named by its label and kept', async () => {
    const email = uniqueEmail('named');
    const refused = await post('/admin/subscribers', {
      email,
      name: 'Ana',
      'fields.city': 'x'.repeat(81),
      'fields-offered': '1',
    });
    expect(refused.status).toBe(422);
    const html = await refused.text();
    expect(problemsOf(html, 'add-problems')).toBe(
      'Not added: Your city: must be at most 80 characters',
    );
    expect(html).toContain('name="name" autocomplete="name" maxlength="100" value="Ana"');
    const added = await post('/admin/subscribers', {
      email,
      name: 'Ana',
      'fields.city': 'Tirana',
      'fields.print_subscriber': 'yes',
      'fields-offered': '1',
    });
    expect(added.status).toBe(303);
    expect(await stack.deps.subscribers.get(subscriberIdFor(email))).toMatchObject({
      name: 'Ana',
      fields: { city: 'Tirana', print_subscriber: true },
      consent: { form: 'admin' },
    });
    const page = await (
      await app.request(`/admin/subscribers/${subscriberIdFor(email)}`, { headers: { cookie } })
    ).text();
    expect(page).toContain('<dt>Print subscriber (editors only)</dt><dd>yes</dd>');
  });

  it('suppressing with a blank reason is refused before it is asked, and removing keeps its row', async () => {
    const email = uniqueEmail('kept');
    const blank = await post('/admin/suppressions', { email, reason: '   ' });
    expect(blank.status).toBe(422);
    const html = await blank.text();
    expect(html).not.toContain('data-testid="consequence"');
    expect(problemsOf(html, 'sup-problems')).toBe('Not suppressed: Reason: is required: say why');
    expect(html).toContain(`value="${email}"`);
    expect(await stack.deps.suppressions.isSuppressed(email)).toBe(false);

    expect(
      (await post('/admin/suppressions', { email, reason: 'asked', confirmed: 'yes' })).status,
    ).toBe(303);
    const remove = await post('/admin/suppressions/remove', { email, reason: ' ' });
    expect(remove.status).toBe(422);
    const removeHtml = await remove.text();
    const key = /id="why-problems-([^"]+)"/.exec(removeHtml)![1]!;
    expect(problemsOf(removeHtml, `why-problems-${key}`)).toBe(
      'Not removed: Reason for removing: is required: say why',
    );
    expect(await stack.deps.suppressions.isSuppressed(email)).toBe(true);
  });
});
