import type { Publication } from '../publication.js';

/**
 * The headers every list message carries (RFC 2369, RFC 2919, RFC 8058). One-click unsubscribe
 * needs both List-Unsubscribe with an https URL and List-Unsubscribe-Post; Gmail and Yahoo require
 * them of bulk senders since 2024.
 */
export function listHeaders(
  publication: Publication,
  unsubscribeUrl: string,
): Record<string, string> {
  return {
    'List-Unsubscribe': `<${unsubscribeUrl}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'List-Id': `${sanitizePhrase(publication.name)} <${publication.listId}>`,
  };
}

/** A display name that cannot break out of its header line. */
export function sanitizePhrase(value: string): string {
  return value.replace(/[\r\n\0<>"]/g, ' ').trim();
}
