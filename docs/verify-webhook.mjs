import { createHmac, timingSafeEqual } from 'node:crypto';

/** True when `header` (Dispatch-Signature) signs `body` (the raw request body) with `secret`. */
export function verifyDispatchSignature(secret, header, body, now = Date.now()) {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2)));
  const t = Number(parts.t);
  // Five minutes either way: an old delivery replayed by a third party is refused.
  if (!Number.isInteger(t) || Math.abs(now / 1000 - t) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
