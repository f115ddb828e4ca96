import { describe, expect, it } from 'vitest';
import { StaticDisposableDomains } from '../../functions/adapters/abuse/disposable-domains.js';
import { MemoryRateLimiter } from '../support/fakes/memory-rate-limiter.js';
import type { AbuseDeps, CaptchaVerifier } from '../../functions/core/abuse/ports.js';
import { clientNetwork } from '../../functions/core/abuse/signup-guard.js';
import { DomainError } from '../../functions/core/errors.js';
import { subscribe } from '../../functions/core/subscribers/subscribe.js';
import { delivered, memoryDeps, uniqueEmail } from '../support/builders.js';

function guardedDeps(overrides: Partial<AbuseDeps> = {}) {
  const deps = memoryDeps();
  const abuse: AbuseDeps = {
    rateLimiter: new MemoryRateLimiter(),
    limits: { perIpPerHour: 3, perAddressPerHour: 2 },
    disposableDomains: new StaticDisposableDomains(['mailinator.com']),
    ...overrides,
  };
  return { ...deps, abuse };
}

const refusal = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DomainError)
      return {
        code: error.code,
        issues: error.details.issues,
        retryAfterSeconds: error.details.retryAfterSeconds,
      };
    throw error;
  }
  return undefined;
};

describe('signup guard', () => {
  it('per IP: the fourth signup in an hour is refused with the seconds left in the window; the next hour is open again', async () => {
    const deps = guardedDeps();
    for (let i = 0; i < 3; i++)
      await subscribe(deps, { email: uniqueEmail() }, 'api', { ip: '198.51.100.1' });
    const email = uniqueEmail();
    expect(await refusal(subscribe(deps, { email }, 'api', { ip: '198.51.100.1' }))).toEqual({
      code: 'rate_limited',
      issues: undefined,
      retryAfterSeconds: 3600,
    });
    expect(deps.subscribers.items.size).toBe(3);
    expect((await delivered(deps)).sent).toHaveLength(3);
    deps.clock.advance(60 * 60 * 1000);
    await subscribe(deps, { email }, 'api', { ip: '198.51.100.1' });
    expect(deps.subscribers.items.size).toBe(4);
  });

  it('per address, whichever IP asks; a request without an IP (a CLI import) is only held to the address limit', async () => {
    const deps = guardedDeps();
    const email = uniqueEmail();
    await subscribe(deps, { email }, 'api', { ip: '198.51.100.2' });
    await subscribe(deps, { email }, 'api', {});
    expect((await refusal(subscribe(deps, { email }, 'api', { ip: '198.51.100.3' })))?.code).toBe(
      'rate_limited',
    );
  });

  it('a disposable domain or its subdomain is an invalid email before anything is counted or stored', async () => {
    const deps = guardedDeps();
    for (const email of ['a@mailinator.com', 'a@x.MAILINATOR.com']) {
      expect(
        await refusal(subscribe(deps, { email }, 'api', { ip: '198.51.100.4' })),
      ).toMatchObject({
        code: 'invalid_input',
        issues: [{ field: 'email', message: expect.stringContaining('disposable') }],
      });
    }
    expect(deps.subscribers.items.size).toBe(0);
    expect((deps.abuse.rateLimiter as MemoryRateLimiter).counts.size).toBe(0);
  });

  it('0 turns a limit off', async () => {
    const deps = guardedDeps({ limits: { perIpPerHour: 0, perAddressPerHour: 0 } });
    for (let i = 0; i < 10; i++)
      await subscribe(deps, { email: uniqueEmail() }, 'api', { ip: '198.51.100.5' });
    expect(deps.subscribers.items.size).toBe(10);
  });

  it('the CAPTCHA is asked after the counters, and a refusal stores nothing', async () => {
    const asked: string[] = [];
    const captcha: CaptchaVerifier = {
      verify: async (token) => {
        asked.push(token);
        return token === 'yes';
      },
    };
    const deps = guardedDeps({ captcha, limits: { perIpPerHour: 1, perAddressPerHour: 0 } });
    expect(
      (
        await refusal(
          subscribe(deps, { email: uniqueEmail() }, 'api', {
            ip: '198.51.100.6',
            captchaToken: 'no',
          }),
        )
      )?.issues,
    ).toEqual([{ field: 'captchaToken', message: expect.any(String) }]);
    // The IP's one signup was used by the refused attempt: the provider is not asked again.
    expect(
      (
        await refusal(
          subscribe(deps, { email: uniqueEmail() }, 'api', {
            ip: '198.51.100.6',
            captchaToken: 'yes',
          }),
        )
      )?.code,
    ).toBe('rate_limited');
    expect(asked).toEqual(['no']);
    expect(deps.subscribers.items.size).toBe(0);
  });

  it('an IPv6 client is counted per /64, so rotating through its own block gains nothing', async () => {
    expect(clientNetwork('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientNetwork('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(clientNetwork('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientNetwork('::1')).toBe('0:0:0:0::/64');
    expect(clientNetwork('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(clientNetwork('198.51.100.7')).toBe('198.51.100.7');
    const deps = guardedDeps({ limits: { perIpPerHour: 2, perAddressPerHour: 0 } });
    await subscribe(deps, { email: uniqueEmail() }, 'api', { ip: '2001:db8:1:2::1' });
    await subscribe(deps, { email: uniqueEmail() }, 'api', { ip: '2001:db8:1:2::2' });
    expect(
      (
        await refusal(
          subscribe(deps, { email: uniqueEmail() }, 'api', { ip: '2001:db8:1:2:ffff::3' }),
        )
      )?.code,
    ).toBe('rate_limited');
    await subscribe(deps, { email: uniqueEmail() }, 'api', { ip: '2001:db8:1:3::1' });
  });
});
