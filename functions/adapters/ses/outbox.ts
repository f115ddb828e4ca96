import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Keeps the raw MIME of every message sent through the local stack as `<dir>/<message-id>.eml`:
 * the SES emulator's viewer drops custom headers such as List-Unsubscribe, and those are what a
 * mail client acts on.
 */
export function outboxArchive(dir: string) {
  let ready: Promise<unknown> | undefined;
  return async (messageId: string, raw: Buffer) => {
    ready ??= mkdir(dir, { recursive: true });
    await ready;
    const safeId = messageId.replace(/[^A-Za-z0-9._-]/g, '_') || `unknown-${Date.now()}`;
    await writeFile(join(dir, `${safeId}.eml`), raw);
  };
}
