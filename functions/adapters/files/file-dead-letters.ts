import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  invocationRecord,
  unwrapDeadLetter,
  type DeadLetter,
  type DeadLetters,
  type SesEventEnvelope,
} from '../../core/events/dead-letters.js';

/**
 * The local stack's dead letters: one JSON file per failed event under the data folder, written
 * in the envelope Lambda's on-failure destination uses, so a replay reads them as it reads SQS.
 * Names start with the time, so they list oldest first.
 */
export class FileDeadLetters implements DeadLetters {
  constructor(private readonly dir: string) {}

  async put(event: SesEventEnvelope, reason: string, at: Date) {
    await mkdir(this.dir, { recursive: true });
    const name = `${at.toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.json`;
    const body = invocationRecord(event, Object.assign(new Error(reason), { name: 'Error' }), at);
    // Written whole, then renamed: a reader never sees half a letter.
    await writeFile(join(this.dir, `.${name}`), JSON.stringify(body, null, 2));
    await rename(join(this.dir, `.${name}`), join(this.dir, name));
  }

  async list(limit = 100): Promise<DeadLetter[]> {
    const letters: DeadLetter[] = [];
    for (const name of (await this.names()).slice(0, limit)) {
      const text = await readFile(join(this.dir, name), 'utf8').catch(() => undefined);
      const unwrapped = text === undefined ? undefined : unwrapDeadLetter(JSON.parse(text));
      if (unwrapped) letters.push({ id: name, handle: name, ...unwrapped });
    }
    return letters;
  }

  async delete(letter: DeadLetter) {
    await rm(join(this.dir, letter.handle), { force: true });
  }

  async count() {
    return (await this.names()).length;
  }

  private async names() {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
  }
}
