import type { Clock } from '../clock.js';
import { DomainError, ErrorCodes } from '../errors.js';
import type { AbuseDeps } from './ports.js';
import { clientNetwork, hashOf } from './signup-guard.js';

/** The window failures are counted in. */
export const GUESS_WINDOW_S = 15 * 60;

/** What is being guessed: an API key (sign-in, the admin API) or a link's token. */
export type Guess = 'key' | 'token';

/** Who is guessing, as far as a request tells: its client IP, and for a key, its prefix. */
export type Guesser = { ip?: string | undefined; keyPrefix?: string | undefined };

type GuessDeps = { abuse?: AbuseDeps | undefined; clock: Clock };

/**
 * The counters a failure adds to: the client's network (an IPv6 /64 counts as one), and for a
 * key, its prefix too, so rotating addresses does not help against one known key. Hashed, as
 * the signup's are: neither IPs nor prefixes sit in plain text in the table.
 */
function countersOf(deps: GuessDeps, guess: Guess, from: Guesser): [string, number][] {
  const limits = deps.abuse?.guessLimits;
  const limit = guess === 'key' ? (limits?.keys ?? 0) : (limits?.tokens ?? 0);
  if (!deps.abuse || limit === 0) return [];
  const counters: [string, number][] = [];
  if (from.ip) counters.push([`guess:${guess}:ip:${hashOf(clientNetwork(from.ip))}`, limit]);
  if (guess === 'key' && from.keyPrefix)
    counters.push([`guess:key:prefix:${hashOf(from.keyPrefix)}`, limit]);
  return counters;
}

/**
 * Refuses (429, with when to try again) a client already over its failures, before what it sent
 * is looked at: past the limit a right guess is refused like a wrong one, so guessing stops.
 */
export async function refuseGuesser(deps: GuessDeps, guess: Guess, from: Guesser) {
  const now = deps.clock.now();
  const counters = countersOf(deps, guess, from);
  const decisions = await Promise.all(
    counters.map(([key, limit]) =>
      deps.abuse!.rateLimiter.exceeded(key, limit, GUESS_WINDOW_S, now),
    ),
  );
  const over = decisions.find((d) => !d.allowed);
  if (over && !over.allowed)
    throw new DomainError(
      ErrorCodes.rateLimited,
      `Too many failed attempts from here: try again in ${Math.ceil(over.retryAfterSeconds / 60)} minutes.`,
      { retryAfterSeconds: over.retryAfterSeconds },
    );
}

/** Counts one failed attempt on each of the client's counters. */
export async function countFailure(deps: GuessDeps, guess: Guess, from: Guesser) {
  const now = deps.clock.now();
  await Promise.all(
    countersOf(deps, guess, from).map(([key, limit]) =>
      deps.abuse!.rateLimiter.hit(key, limit, GUESS_WINDOW_S, now),
    ),
  );
}
