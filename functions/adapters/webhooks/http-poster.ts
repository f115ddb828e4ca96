import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { hostOf, isPrivateAddress, type AddressPolicy } from '../../core/webhooks/address.js';
import type { PostResult, WebhookPoster } from '../../core/webhooks/ports.js';

/** The whole attempt, connection to answer: a receiver should answer at once and work later. */
export const WEBHOOK_TIMEOUT_MS = 5_000;

/**
 * POSTs with Node's own client. On a deployed stage the host is resolved at each delivery and the
 * connection made to the very address that was checked (the `lookup` below hands it to the
 * socket), so a name that resolves to a public address when checked and a private one when
 * connecting (DNS rebinding) cannot reach inside. Redirects are not followed; the answer's body
 * is not read past the status.
 */
export class HttpWebhookPoster implements WebhookPoster {
  constructor(
    private readonly policy: AddressPolicy,
    private readonly timeoutMs = WEBHOOK_TIMEOUT_MS,
  ) {}

  post(url: string, headers: Record<string, string>, body: string): Promise<PostResult> {
    const target = new URL(url);
    if (this.policy.deployed) {
      if (target.protocol !== 'https:') return Promise.resolve({ error: 'not https' });
      const host = hostOf(target);
      if (isIP(host) && isPrivateAddress(host))
        return Promise.resolve({ error: `refused: ${host} is a private or loopback address` });
    }
    const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<PostResult>((resolve) => {
      const req = request(
        target,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': Buffer.byteLength(body).toString() },
          timeout: this.timeoutMs,
          lookup: this.policy.deployed ? publicOnly : undefined,
          agent: false,
        },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0 });
          res.destroy();
        },
      );
      const timer = setTimeout(() => req.destroy(new Error('timed out')), this.timeoutMs);
      req.on('close', () => clearTimeout(timer));
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (error: NodeJS.ErrnoException) =>
        resolve({ error: error.message || (error.code ?? 'failed') }),
      );
      req.end(body);
    });
  }
}

/** A lookup that fails rather than hand the socket a private address. */
const publicOnly: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const all = addresses as unknown as LookupAddress[];
    const refused = all.find((a) => isPrivateAddress(a.address));
    const chosen = all[0];
    if (refused || !chosen) {
      const why = new Error(
        `refused: ${hostname} resolves to a private or loopback address (${refused?.address ?? 'none'})`,
      ) as NodeJS.ErrnoException;
      why.code = 'EPRIVATEADDRESS';
      return callback(why, '', 0);
    }
    if ((options as { all?: boolean }).all)
      return (callback as never as (e: null, a: LookupAddress[]) => void)(null, [chosen]);
    callback(null, chosen.address, chosen.family);
  });
};
