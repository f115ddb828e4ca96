/**
 * Cloudflare Turnstile on the public pages, when signups need it (`TURNSTILE_SITE_KEY`): its
 * client script is the only script those pages ever load, and the CSP lets in exactly its origin
 * (https://developers.cloudflare.com/turnstile/reference/content-security-policy).
 */
export const TURNSTILE_ORIGIN = 'https://challenges.cloudflare.com';
export const TURNSTILE_SCRIPT = `${TURNSTILE_ORIGIN}/turnstile/v0/api.js`;
