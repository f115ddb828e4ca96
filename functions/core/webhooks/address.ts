import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { invalidInput } from '../errors.js';

/**
 * Where a deployed stage may not send: loopback, private, link-local (the instance metadata
 * service among them), carrier-grade NAT, unique-local, multicast and reserved ranges. A webhook
 * URL is the one place an editor makes our servers open a connection of their choosing (SSRF).
 */
const refused = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const)
  refused.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  refused.addSubnet(net, prefix, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return refused.check(address, 'ipv4');
  // IPv4-mapped (::ffff:a.b.c.d) reach IPv4 through a dual-stack socket: refused whatever they map.
  // Not a BlockList rule: one on ::ffff:0:0/96 would match every IPv4 address checked too.
  if (family === 6) return /^::ffff:/i.test(address) || refused.check(address, 'ipv6');
  return true;
}

/**
 * Where deliveries may go. `deployed`: an https base URL, so not the local stack, which may use
 * loopback (its tests' receivers are there).
 */
export type AddressPolicy = { deployed: boolean };

const urlIssue = (message: string) => invalidInput([{ field: 'url', message }]);

/** The host of a URL as `isIP` reads it (IPv6 literals come bracketed). */
export const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * The URL an editor registers, checked as a delivery will be: https on a deployed stage, no
 * credentials in it, and a host that resolves to public addresses only. Each delivery resolves
 * again (adapters/webhooks/http-poster.ts), since a name may point elsewhere by then.
 */
export async function checkWebhookUrl(raw: string, policy: AddressPolicy): Promise<string> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw urlIssue('is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw urlIssue('must be https');
  if (policy.deployed && url.protocol !== 'https:') throw urlIssue('must be https');
  if (url.username || url.password) throw urlIssue('must not carry credentials');
  if (raw.length > 2000) throw urlIssue('is too long');
  if (!policy.deployed) return url.toString();
  const host = hostOf(url);
  const addresses = isIP(host)
    ? [host]
    : await lookup(host, { all: true }).then(
        (all) => all.map((a) => a.address),
        () => {
          throw urlIssue(`its host ${host} does not resolve`);
        },
      );
  if (addresses.length === 0 || addresses.some(isPrivateAddress))
    throw urlIssue(`its host resolves to a private or loopback address (${addresses.join(', ')})`);
  return url.toString();
}
