import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'Dispatch-Signature';
export const EVENT_ID_HEADER = 'Dispatch-Event-Id';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the timestamp is signed with the body,
 * so a captured delivery cannot be replayed later under a new time (docs/verify-webhook.mjs).
 */
export function signatureHeader(secret: string, body: string, now: Date): string {
  const t = Math.floor(now.getTime() / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return `t=${t},v1=${v1}`;
}
