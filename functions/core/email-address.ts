import { domainToASCII } from 'node:url';

/** RFC 5321 limits: 64 octets local part, 255 domain, 254 for the whole path. */
const MAX_LOCAL = 64;
const MAX_TOTAL = 254;
// Dot-atom local part (RFC 5322) without quoted strings: what every mainstream provider accepts.
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

export type EmailCheck = { ok: true; email: string } | { ok: false; reason: string };

/**
 * Normalizes an address the way mail servers compare them in practice: trimmed, the domain
 * lower-cased and punycoded, the local part lower-cased too (every major provider treats it
 * case-insensitively, and one subscriber per mailbox matters more than the RFC's letter).
 */
export function normalizeEmail(input: string): EmailCheck {
  const raw = input.trim();
  if (/[\r\n\0]/.test(raw)) return { ok: false, reason: 'must not contain line breaks or NUL' };
  const at = raw.lastIndexOf('@');
  if (at <= 0 || at === raw.length - 1)
    return { ok: false, reason: 'must look like name@example.com' };
  const local = raw.slice(0, at).toLowerCase();
  const domain = domainToASCII(raw.slice(at + 1).toLowerCase());
  if (!LOCAL_PART.test(local))
    return { ok: false, reason: 'has characters not allowed before the @' };
  if (local.length > MAX_LOCAL)
    return { ok: false, reason: `part before the @ is longer than ${MAX_LOCAL} characters` };
  const labels = domain.split('.');
  if (
    !domain ||
    labels.length < 2 ||
    !labels.every((l) => DOMAIN_LABEL.test(l)) ||
    /^[0-9]+$/.test(labels.at(-1)!)
  ) {
    return { ok: false, reason: 'domain is not a valid internet domain' };
  }
  const email = `${local}@${domain}`;
  if (email.length > MAX_TOTAL)
    return { ok: false, reason: `is longer than ${MAX_TOTAL} characters` };
  return { ok: true, email };
}
