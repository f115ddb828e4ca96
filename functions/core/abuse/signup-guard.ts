import { createHash } from 'node:crypto';
import { DomainError, ErrorCodes, invalidInput } from '../errors.js';
import type { AbuseDeps } from './ports.js';

const HOUR_S = 60 * 60;

export type SignupAttempt = {
  /** Normalized: lower case, punycoded domain. */
  email: string;
  ip?: string;
  captchaToken?: string;
};

/**
 * Runs before anything about the address is read or written, so a refusal stores nothing and
 * says nothing about who subscribes: every check depends only on the request itself (its domain,
 * its IP, how often this address was *asked for*), never on the subscriber records.
 *
 * Order matters: the cheap local check first; counters before the CAPTCHA so a flood cannot make
 * us call the provider without bound.
 */
export async function guardSignup(
  abuse: AbuseDeps | undefined,
  attempt: SignupAttempt,
  now: Date,
): Promise<void> {
  if (!abuse) return;
  const domain = attempt.email.slice(attempt.email.lastIndexOf('@') + 1);
  if (abuse.disposableDomains && (await abuse.disposableDomains.isDisposable(domain))) {
    throw invalidInput([
      {
        field: 'email',
        message: 'disposable (throwaway) addresses are not accepted; please use your own address',
      },
    ]);
  }
  const { perIpPerHour, perAddressPerHour } = abuse.limits;
  // Written side by side, one round trip of latency instead of two. So an attempt the network's
  // limit refuses still counts against the address too (it stopped before that counter when they
  // ran in turn); the address's own limit could already be used up by ten requests from one
  // network, so this gives a flood nothing new. The network's refusal is the one reported.
  const refusals = await Promise.all([
    perIpPerHour > 0 && attempt.ip
      ? check(
          abuse,
          `signup-ip:${hashOf(clientNetwork(attempt.ip))}`,
          perIpPerHour,
          now,
          'Too many signups from your network. Please try again later.',
        )
      : undefined,
    perAddressPerHour > 0
      ? check(
          abuse,
          `signup-address:${(abuse.addressKey ?? hashOf)(attempt.email)}`,
          perAddressPerHour,
          now,
          'Too many signups for this address. Please try again later.',
        )
      : undefined,
  ]);
  const refusal = refusals.find((r) => r !== undefined);
  if (refusal) throw refusal;
  if (abuse.captcha) {
    const token = attempt.captchaToken?.trim();
    if (!token || token.length > 2048 || !(await abuse.captcha.verify(token, attempt.ip))) {
      throw invalidInput([
        { field: 'captchaToken', message: 'the anti-robot check failed; please try it again' },
      ]);
    }
  }
}

/** Counts one attempt against a limit; the refusal to throw if it is over. */
async function check(
  abuse: AbuseDeps,
  key: string,
  limit: number,
  now: Date,
  message: string,
): Promise<DomainError | undefined> {
  const decision = await abuse.rateLimiter.hit(key, limit, HOUR_S, now);
  return decision.allowed
    ? undefined
    : new DomainError(ErrorCodes.rateLimited, message, {
        retryAfterSeconds: decision.retryAfterSeconds,
      });
}

/** Counters are keyed by a hash: neither addresses nor IPs sit in plain text in the table. */
export const hashOf = (value: string) =>
  createHash('sha256').update(`rate:${value}`).digest('base64url').slice(0, 32);

/**
 * What one client controls: an IPv4 address, or an IPv6 /64 (the smallest block ISPs hand out,
 * so one subscriber line has 2^64 addresses to rotate through). IPv4-mapped IPv6 counts as IPv4.
 */
export function clientNetwork(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
