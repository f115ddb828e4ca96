/**
 * Limits on guessing, over real HTTP on loopback (the client's IP is the connection's): wrong API
 * keys at sign-in and at the admin API, and bad link tokens, are counted per client network;
 * past the limit even a right key or a good link is refused (429, Retry-After) until the window
 * ends, and each wrong key is logged by its prefix, never whole.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../functions/core/access/api-keys.js';
import { readerLinks } from '../../functions/core/links.js';
import type { LocalStack } from '../../local/stack.js';
import { aSubscriber } from '../support/builders.js';
import { CapturingLogger } from '../support/logger.js';
import { startTestStack } from '../support/stack.js';

const LIMIT = 3;
let stack: LocalStack;
const logger = new CapturingLogger({ serviceName: 'guessing-test' });

beforeAll(async () => {
  stack = await startTestStack(
    { KEY_FAILURES_PER_15_MIN: String(LIMIT), TOKEN_FAILURES_PER_15_MIN: String(LIMIT) },
    { logger },
  );
});
afterAll(async () => stack?.close());

const signIn = (key: string) =>
  fetch(`${stack.appUrl}/admin/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ key }).toString(),
    redirect: 'manual',
  });

describe('limits on guessing', () => {
  it('sign-in: after the limit of wrong keys, even the right key is refused with 429 and Retry-After', async () => {
    const { key } = await createApiKey(stack.deps, {
      name: 'Real editor',
      email: 'real@newsroom.example',
      role: 'editor',
    });
    const wrong = `dsp_${'x'.repeat(43)}`;
    for (let i = 0; i < LIMIT; i++) expect((await signIn(wrong)).status).toBe(401);
    const refused = await signIn(key);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.text()).toContain('Too many failed attempts from here');
    // Logged by prefix: the whole wrong key is nowhere in the logs.
    const refusals = logger.lines.filter((l) => l.message === 'key_refused');
    expect(refusals).toHaveLength(LIMIT);
    expect(refusals[0]).toMatchObject({ where: 'sign-in', keyPrefix: wrong.slice(0, 12) });
    expect(JSON.stringify(logger.lines)).not.toContain(wrong);
  });

  it('the admin API: the same network is refused there too, as JSON with Retry-After', async () => {
    const { key } = await createApiKey(stack.deps, {
      name: 'API editor',
      email: 'api@newsroom.example',
      role: 'viewer',
    });
    const response = await fetch(`${stack.appUrl}/api/admin/issues`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await response.json()).toMatchObject({ error: { code: 'rate_limited' } });
  });

  it('link tokens: after the limit of bad ones, a good link is refused (429) and changes nothing', async () => {
    const reader = aSubscriber({ email: 'guessed@example.org' });
    await stack.deps.subscribers.create(reader);
    const good = readerLinks(stack.deps.publication, stack.deps.signer, reader.id);
    const bad = `${good.unsubscribe.slice(0, -3)}AAA`;
    for (let i = 0; i < LIMIT; i++) expect((await fetch(bad)).status).toBe(400);
    const refused = await fetch(good.unsubscribe, { method: 'POST' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await stack.deps.subscribers.get(reader.id))?.state).toBe(reader.state);
  });
});
