import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscriberIdFor } from '../../functions/core/subscribers/subscriber.js';
import { createApp } from '../../functions/http/app.js';
import type { LocalStack } from '../../local/stack.js';
import { linkIn, uniqueEmail } from '../support/builders.js';
import { emailsTo, startTestStack } from '../support/stack.js';
import { quietLogger } from '../support/logger.js';

let stack: LocalStack;
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  stack = await startTestStack();
  app = createApp(stack.deps, { clientIp: () => '192.0.2.10', logger: quietLogger() });
});
afterAll(async () => stack?.close());

const json = (body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const form = (fields: [string, string][]) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});
const path = (url: string) => new URL(url).pathname;
const stateOf = async (email: string) =>
  (await stack.deps.subscribers.get(subscriberIdFor(email)))?.state;

async function confirmedReader() {
  const email = uniqueEmail('http');
  await app.request('/api/subscribe', json({ email, topics: ['security'] }));
  const [confirmation] = await emailsTo(stack.sesEndpoint, email);
  await app.request(path(linkIn(confirmation!.body.text!, 'confirm')), { method: 'POST' });
  const welcome = (await emailsTo(stack.sesEndpoint, email)).find((e) =>
    e.subject.startsWith('Welcome'),
  )!;
  return {
    email,
    unsubscribe: path(linkIn(welcome.body.text!, 'unsubscribe')),
    preferences: path(linkIn(welcome.body.text!, 'preferences')),
  };
}

describe('signup', () => {
  it('serves the hosted form with topics, frequencies (weekly chosen) and security headers', async () => {
    const response = await app.request('/');
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(html).toContain('<form class="stack" method="post" action="/subscribe"');
    for (const topic of ['security', 'politics', 'economy'])
      expect(html).toContain(`value="${topic}" checked`);
    expect(html).toMatch(/value="weekly" checked/);
    // So that unticking every box is refused rather than read as "every topic".
    expect(html).toContain('<input type="hidden" name="topics-offered" value="1"/>');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('JSON API: 202 with the same answer for a new and a known address', async () => {
    const email = uniqueEmail('api');
    const first = await app.request(
      '/api/subscribe',
      json({ email, topics: ['politics'], frequency: 'daily' }),
    );
    const second = await app.request(
      '/api/subscribe',
      json({ email, topics: ['politics'], frequency: 'daily' }),
    );
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(await second.json()).toEqual(await first.json());
    expect(await stack.deps.subscribers.get(subscriberIdFor(email))).toMatchObject({
      state: 'pending',
      topics: ['politics'],
      frequency: 'daily',
      consent: { form: 'api', ip: '192.0.2.10' },
    });
    expect(await emailsTo(stack.sesEndpoint, email)).toHaveLength(1);
  });

  it('JSON API: 422 naming each bad field, 415 for another content type, 400 for broken JSON', async () => {
    const bad = await app.request(
      '/api/subscribe',
      json({ email: 'not-an-address', topics: 'security', frequency: 'hourly' }),
    );
    expect(bad.status).toBe(422);
    const body = (await bad.json()) as {
      error: { code: string; issues: { field: string; message: string }[] };
    };
    expect(body.error.code).toBe('invalid_input');
    expect(body.error.issues.map((i) => i.field).sort()).toEqual(['email', 'frequency', 'topics']);
    expect(
      (
        await app.request('/api/subscribe', {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: 'email=a@b.c',
        })
      ).status,
    ).toBe(415);
    expect(
      (
        await app.request('/api/subscribe', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"email":',
        })
      ).status,
    ).toBe(400);
    expect((await app.request('/api/subscribe', json(['a@example.com']))).status).toBe(422);
  });

  it('one confirmation email for many concurrent signups of one address', async () => {
    const email = uniqueEmail('race');
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => app.request('/api/subscribe', json({ email }))),
    );
    expect(responses.every((r) => r.status === 202)).toBe(true);
    expect(await emailsTo(stack.sesEndpoint, email)).toHaveLength(1);
  });

  it('HTML form: "check your inbox", or the form again with the error and the reader’s input kept, escaped', async () => {
    const email = uniqueEmail('form');
    const ok = await app.request(
      '/subscribe',
      form([
        ['email', email],
        ['topics', 'security'],
        ['topics', 'economy'],
        ['frequency', 'immediate'],
        ['form', 'hosted'],
      ]),
    );
    expect(ok.status).toBe(200);
    const inbox = await ok.text();
    expect(inbox).toContain('Check your inbox');
    // It names the address typed, and its button sends the same signup again.
    expect(inbox).toContain(`<strong>${email}</strong>`);
    for (const field of [
      `name="email" value="${email}"`,
      'name="topics" value="security"',
      'name="topics" value="economy"',
      'name="frequency" value="immediate"',
      'name="form" value="hosted"',
    ])
      expect(inbox).toContain(field);
    expect(await stack.deps.subscribers.get(subscriberIdFor(email))).toMatchObject({
      topics: ['security', 'economy'],
      frequency: 'immediate',
      consent: { form: 'hosted' },
    });

    const bad = await app.request(
      '/subscribe',
      form([
        ['email', '"><script>alert(1)</script>'],
        ['frequency', 'weekly'],
      ]),
    );
    const html = await bad.text();
    expect(bad.status).toBe(422);
    expect(html).toContain('Email address must look like name@example.com');
    expect(html).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(html).not.toContain('<script>alert(1)');
    // Said once, beside the field, in words: no "email:" and no second copy at the top.
    expect(html.match(/must look like name@example\.com/g)).toHaveLength(1);
    expect(html).not.toContain('email:');
  });

  it('HTML form with every topic box unticked: refused, nothing stored; a one-field form without boxes means every topic', async () => {
    const unticked = uniqueEmail('unticked');
    const refused = await app.request(
      '/subscribe',
      form([
        ['email', unticked],
        ['frequency', 'weekly'],
        ['form', 'embed'],
        ['topics-offered', '1'],
      ]),
    );
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain('Topics must include at least one topic.');
    expect(await stack.deps.subscribers.get(subscriberIdFor(unticked))).toBeUndefined();

    const embedded = uniqueEmail('embedded');
    const ok = await app.request(
      '/subscribe',
      form([
        ['email', embedded],
        ['form', 'embed'],
      ]),
    );
    expect(ok.status).toBe(200);
    expect((await stack.deps.subscribers.get(subscriberIdFor(embedded)))?.topics).toEqual(
      stack.deps.publication.topics.map((t) => t.id),
    );
  });

  it('a filled honeypot gets the same page and nothing is stored or sent', async () => {
    const email = uniqueEmail('bot');
    const response = await app.request(
      '/subscribe',
      form([
        ['email', email],
        ['website', 'http://spam.example'],
      ]),
    );
    expect(await response.text()).toContain('Check your inbox');
    expect(await stateOf(email)).toBeUndefined();
  });
});

describe('confirmation links', () => {
  it('GET shows a Confirm button and changes nothing; the POST confirms and sends the welcome', async () => {
    const email = uniqueEmail('confirm');
    await app.request('/api/subscribe', json({ email }));
    const link = path(linkIn((await emailsTo(stack.sesEndpoint, email))[0]!.body.text!, 'confirm'));

    const page = await app.request(link);
    expect(await page.text()).toContain(`<form method="post" action="${link}">`);
    expect(await stateOf(email)).toBe('pending');

    const confirmed = await app.request(link, { method: 'POST' });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('You are subscribed');
    expect(await stateOf(email)).toBe('confirmed');
    expect((await emailsTo(stack.sesEndpoint, email)).map((e) => e.subject)).toContain(
      'Welcome to The Regional Dispatch',
    );
  });

  it('opened again after confirming, the link says so instead of asking again; the welcome names the choices', async () => {
    const email = uniqueEmail('reopen');
    await app.request(
      '/api/subscribe',
      json({ email, topics: ['economy', 'security'], frequency: 'daily' }),
    );
    const link = path(linkIn((await emailsTo(stack.sesEndpoint, email))[0]!.body.text!, 'confirm'));
    await app.request(link, { method: 'POST' });

    const again = await (await app.request(link)).text();
    expect(again).toContain('You are already subscribed');
    expect(again).not.toContain('<form method="post"');
    const welcome = (await emailsTo(stack.sesEndpoint, email)).find((e) =>
      e.subject.startsWith('Welcome'),
    )!;
    // By label, in the publication's order, whatever order the reader's list was in.
    expect(welcome.body.text).toMatch(
      /Your topics: Security and defence, Economy\.\s+You will hear/,
    );
    expect(welcome.body.text).toMatch(/from us once a day, in a daily digest\./);
  });

  it('a tampered link gets a clear page; an expired one offers to send a new link', async () => {
    const email = uniqueEmail('expired');
    await app.request('/api/subscribe', json({ email }));
    const link = path(linkIn((await emailsTo(stack.sesEndpoint, email))[0]!.body.text!, 'confirm'));
    const tampered = await app.request(`${link.slice(0, -3)}abc`, { method: 'POST' });
    expect(tampered.status).toBe(400);
    expect(await tampered.text()).toContain('This link is not valid');

    const expiredToken = stack.deps.signer.sign(
      'confirm',
      subscriberIdFor(email),
      new Date(Date.now() - 1000),
    );
    const expired = await app.request(`/confirm/${expiredToken}`, { method: 'POST' });
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain(`action="/confirm/${expiredToken}/resend"`);
    expect(await stateOf(email)).toBe('pending');
  });
});

describe('one-click unsubscribe (RFC 8058) and preferences', () => {
  it('GET shows a page with a button and changes nothing', async () => {
    const reader = await confirmedReader();
    const page = await app.request(reader.unsubscribe);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`<form method="post" action="${reader.unsubscribe}">`);
    expect(await stateOf(reader.email)).toBe('confirmed');
  });

  it('a POST of List-Unsubscribe=One-Click unsubscribes at once and answers 200 without a redirect', async () => {
    const reader = await confirmedReader();
    const response = await app.request(
      reader.unsubscribe,
      form([['List-Unsubscribe', 'One-Click']]),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('location')).toBeNull();
    expect(await stateOf(reader.email)).toBe('unsubscribed');
    expect(
      (await app.request(reader.unsubscribe, form([['List-Unsubscribe', 'One-Click']]))).status,
    ).toBe(200);
  });

  it('the preferences page changes topics and frequency, and offers to resubscribe', async () => {
    const reader = await confirmedReader();
    const saved = await app.request(
      reader.preferences,
      form([
        ['topics', 'economy'],
        ['frequency', 'daily'],
      ]),
    );
    expect(await saved.text()).toContain('Your preferences are saved.');
    expect(await stack.deps.subscribers.get(subscriberIdFor(reader.email))).toMatchObject({
      topics: ['economy'],
      frequency: 'daily',
    });

    const none = await app.request(reader.preferences, form([['frequency', 'daily']]));
    expect(none.status).toBe(422);
    expect(await none.text()).toContain('choose at least one topic');

    await app.request(reader.unsubscribe, form([['List-Unsubscribe', 'One-Click']]));
    const page = await (await app.request(reader.preferences)).text();
    expect(page).toContain('You are unsubscribed');
    expect(page).toContain(`action="${reader.preferences}/resubscribe"`);
    await app.request(`${reader.preferences}/resubscribe`, { method: 'POST' });
    expect(await stateOf(reader.email)).toBe('confirmed');
  });

  it('the preferences page shows and changes the name and city, keeps an editor-only field, and refuses one by name', async () => {
    const reader = await confirmedReader();
    const id = subscriberIdFor(reader.email);
    const stored = (await stack.deps.subscribers.get(id))!;
    await stack.deps.subscribers.save({
      ...stored,
      name: 'Ana',
      fields: { print_subscriber: true },
      version: stored.version + 1,
    });
    const page = await (await app.request(reader.preferences)).text();
    expect(page).toContain('value="Ana"');
    expect(page).toContain('name="fields.city"');
    expect(page).not.toContain('fields.print_subscriber');
    const posted = (extra: [string, string][]) =>
      app.request(
        reader.preferences,
        form([['topics', 'security'], ['frequency', 'weekly'], ['fields-offered', '1'], ...extra]),
      );
    expect(
      (
        await posted([
          ['name', ' Ana B. '],
          ['fields.city', 'Skopje'],
        ])
      ).status,
    ).toBe(200);
    expect(await stack.deps.subscribers.get(id)).toMatchObject({
      name: 'Ana B.',
      fields: { city: 'Skopje', print_subscriber: true },
    });
    const refused = await posted([['fields.print_subscriber', 'no']]);
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain('is set by editors only');
    expect((await stack.deps.subscribers.get(id))!.fields).toEqual({
      city: 'Skopje',
      print_subscriber: true,
    });
  });

  it('the hosted form posts a name and a city with the signup', async () => {
    const email = uniqueEmail('named');
    const response = await app.request(
      '/subscribe',
      form([
        ['email', email],
        ['form', 'hosted'],
        ['topics-offered', '1'],
        ['topics', 'security'],
        ['frequency', 'weekly'],
        ['fields-offered', '1'],
        ['name', 'Tom & "Jerry"'],
        ['fields.city', 'Tirana'],
      ]),
    );
    expect(response.status).toBe(200);
    // The "send it again" button carries them too.
    expect(await response.text()).toContain('name="name" value="Tom &amp; &quot;Jerry&quot;"');
    expect(await stack.deps.subscribers.get(subscriberIdFor(email))).toMatchObject({
      name: 'Tom & "Jerry"',
      fields: { city: 'Tirana' },
      consent: { form: 'hosted' },
    });
  });

  it('an unsubscribe token does not open the preferences page', async () => {
    const reader = await confirmedReader();
    const token = reader.unsubscribe.split('/').at(-1);
    expect((await app.request(`/preferences/${token}`)).status).toBe(400);
  });
});

describe('the article on the web', () => {
  it('has a stable page with its sources and related links, and a signup form', async () => {
    const response = await app.request('/articles/nato-western-balkans-stability');
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(html).toContain(
      '<h1>NATO Reaffirms Its Commitment to Stability in the Western Balkans</h1>',
    );
    expect(html).toContain('<h2 id="related">Related</h2>');
    expect(html).toContain('Kosovo&#39;s Economic Boom');
    expect(html).toContain('action="/subscribe"');
    expect((await app.request('/articles')).status).toBe(200);
    expect((await app.request('/articles/no-such-article')).status).toBe(404);
  });

  it('documents the embeddable form with this deployment’s address', async () => {
    const embed = await (await app.request('/embed')).text();
    expect(embed).toContain(`action="${stack.appUrl}/subscribe"`.replace(/"/g, '&quot;'));
    expect(embed).toContain('name=&quot;topics-offered&quot;');
  });

  it('the embeddable form offers a name and the public fields, and its post keeps them', async () => {
    const page = await (await app.request('/embed')).text();
    // The snippet as an editor copies it from the page (shown as text, so entity-escaped).
    const snippet = /<code>([\s\S]*?)<\/code>/
      .exec(page)![1]!
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
    const names = [...snippet.matchAll(/<(?:input|select)[^>]* name="([^"]+)"/g)].map((m) => m[1]);
    expect(names).toEqual(expect.arrayContaining(['email', 'name', 'fields.city']));
    // An editor-only field is never offered to a reader.
    expect(names).not.toContain('fields.print_subscriber');
    const hidden = [
      ...snippet.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g),
    ].map((m): [string, string] => [m[1]!, m[2]!]);
    expect(hidden.map(([name]) => name)).toEqual(['form', 'topics-offered', 'fields-offered']);
    const email = uniqueEmail('embed-named');
    const response = await app.request(
      '/subscribe',
      form([
        ...hidden,
        ['email', email],
        ['name', ' Ana <B> '],
        ['fields.city', 'Ohrid'],
        ['topics', 'politics'],
        ['frequency', 'daily'],
        ['website', ''],
      ]),
    );
    expect(response.status).toBe(200);
    expect(await stack.deps.subscribers.get(subscriberIdFor(email))).toMatchObject({
      name: 'Ana <B>',
      fields: { city: 'Ohrid' },
      topics: ['politics'],
      consent: { form: 'embed' },
    });
    // A bad value is told on the page, by the field's label, and nothing is stored.
    const refused = uniqueEmail('embed-refused');
    const bad = await app.request(
      '/subscribe',
      form([
        ...hidden,
        ['email', refused],
        ['fields.city', 'x'.repeat(81)],
        ['topics', 'politics'],
      ]),
    );
    expect(bad.status).toBe(422);
    expect(await bad.text()).toContain('must be at most 80 characters');
    expect(await stack.deps.subscribers.get(subscriberIdFor(refused))).toBeUndefined();
  });

  it('answers unknown API paths with JSON 404', async () => {
    const response = await app.request('/api/nothing');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('redirects a trailing slash to the page, keeping the query', async () => {
    const response = await app.request('/articles/?page=2');
    expect(response.status).toBe(301);
    // A path on this site, never an address built from the Host header.
    expect(response.headers.get('location')).toBe('/articles?page=2');
    // `//evil.example/` stays a 404: trimmed, it would be a protocol-relative address elsewhere.
    expect((await app.request('//evil.example/')).status).toBe(404);
  });

  it('gzips a page for a browser that asks, and not for one that does not', async () => {
    const gzipped = await app.request('/articles/nato-western-balkans-stability', {
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(gzipped.headers.get('content-encoding')).toBe('gzip');
    const plain = await app.request('/articles/nato-western-balkans-stability');
    expect(plain.headers.get('content-encoding')).toBeNull();
    const { gunzipSync } = await import('node:zlib');
    const unzipped = gunzipSync(Buffer.from(await gzipped.arrayBuffer())).toString();
    expect(unzipped).toBe(await plain.text());
  });

  it('tells crawlers what to index: pages yes; workspace, API and personal links no', async () => {
    const robots = await (await app.request('/robots.txt')).text();
    for (const line of ['Allow: /', 'Disallow: /admin', 'Disallow: /api/', 'Disallow: /confirm/'])
      expect(robots).toContain(line);
  });

  it('describes the front page for search results, and every page links to the embeddable form', async () => {
    const front = await (await app.request('/')).text();
    expect(front).toMatch(/<meta name="description" content="Subscribe to [^"]+"/);
    const article = await (await app.request('/articles/nato-western-balkans-stability')).text();
    expect(article).toContain('<a href="/embed">');
  });
});

describe('body limits over HTTP', () => {
  const post = (body: RequestInit['body'], extra: RequestInit = {}) =>
    fetch(`${stack.appUrl}/api/subscribe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      ...extra,
    });
  const oversized = JSON.stringify({ email: uniqueEmail('big'), padding: 'x'.repeat(70 * 1024) });

  it('refuses a body over 64 KB by its Content-Length, and one sent in chunks as it streams', async () => {
    const announced = await post(oversized);
    expect(announced.status).toBe(413);
    expect(((await announced.json()) as { error: { code: string } }).error.code).toBe(
      'payload_too_large',
    );
    const bytes = new TextEncoder().encode(oversized);
    const chunked = await post(
      new ReadableStream({
        start(controller) {
          for (let at = 0; at < bytes.length; at += 8192)
            controller.enqueue(bytes.slice(at, at + 8192));
          controller.close();
        },
      }),
      { duplex: 'half' } as RequestInit,
    );
    expect(chunked.status).toBe(413);
  });

  it('takes a small body either way', async () => {
    const email = uniqueEmail('small');
    expect((await post(JSON.stringify({ email, topics: ['security'] }))).status).toBe(202);
    const bytes = new TextEncoder().encode(
      JSON.stringify({ email: uniqueEmail('small'), topics: ['security'] }),
    );
    const chunked = await post(
      new ReadableStream({
        start(controller) {
          controller.enqueue(bytes);
          controller.close();
        },
      }),
      { duplex: 'half' } as RequestInit,
    );
    expect(chunked.status).toBe(202);
  });
});
