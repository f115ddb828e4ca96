/**
 * Secrets live in SST's encrypted per-stage store, never in code or config files:
 * `npx sst secret set SigningSecret "$(openssl rand -base64 32)" --stage production`.
 * A deploy without a value stops with SST's "Set a value for SigningSecret" message.
 */

import { readDeploySettings } from './settings.js';

/** HMAC key of every link in every email (SIGNING_SECRET); changing it voids links already mailed. */
export const signingSecret = new sst.Secret('SigningSecret');

/**
 * HMAC key of the suppression list (SUPPRESSION_SECRET), which outlives erased readers:
 * `npx sst secret set SuppressionSecret "$(openssl rand -base64 32)" --stage production`.
 * Never change it in place: set SUPPRESSION_KEY_VERSION and SUPPRESSION_OLD_SECRETS (docs/security.md).
 */
export const suppressionSecret = new sst.Secret('SuppressionSecret');

/**
 * Turnstile's secret key (TURNSTILE_SECRET_KEY), wanted only where DISPATCH_TURNSTILE_SITE_KEY is
 * set: `npx sst secret set TurnstileSecretKey <key> --stage production`.
 */
export const turnstileSecret = readDeploySettings(process.env).turnstileSiteKey
  ? new sst.Secret('TurnstileSecretKey')
  : undefined;
