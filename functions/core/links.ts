import type { Publication } from './publication.js';
import type { TokenSigner } from './tokens.js';

/** Every URL a reader is sent; the token in the path is the capability. */
export function readerLinks(publication: Publication, signer: TokenSigner, subscriberId: string) {
  const base = publication.baseUrl;
  return {
    unsubscribe: `${base}/unsubscribe/${signer.sign('unsubscribe', subscriberId)}`,
    preferences: `${base}/preferences/${signer.sign('preferences', subscriberId)}`,
  };
}

export const CONFIRMATION_TTL_MS = 48 * 60 * 60 * 1000;

export function confirmationLink(
  publication: Publication,
  signer: TokenSigner,
  subscriberId: string,
  now: Date,
) {
  const token = signer.sign('confirm', subscriberId, new Date(now.getTime() + CONFIRMATION_TTL_MS));
  return `${publication.baseUrl}/confirm/${token}`;
}

export const articleUrl = (publication: Publication, slug: string) =>
  `${publication.baseUrl}/articles/${slug}`;

/**
 * Site-relative links and images in an article's HTML (`/articles/other`, `/images/…`) made to
 * point at our origin: a feed or an email is read far from the site, where a path means nothing.
 * `marked` writes every href and src double-quoted, so this rewrites its own output, not
 * arbitrary HTML.
 */
export function absoluteLinks(html: string, base: string): string {
  return html.replace(/\b(href|src)="\/(?!\/)/g, `$1="${base}/`);
}
