import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The Nu Html Checker's jar, from the vnu-jar dev dependency (it needs Java 11 or later). */
export const VNU_JAR = createRequire(import.meta.url).resolve('vnu-jar/build/dist/vnu.jar');

export type NuMessage = {
  type: 'error' | 'info' | 'non-document-error';
  subType?: string;
  message: string;
  lastLine?: number;
  extract?: string;
};

/**
 * Every document through the Nu Html Checker in one Java start (a few seconds, not one per page).
 * Returns each document's errors by name; infos and warnings (Hono's `<meta />`, whose slash has no
 * effect) are left out, as they do not make a page invalid.
 */
export async function nuErrors(
  documents: { name: string; html: string }[],
): Promise<Map<string, NuMessage[]>> {
  const dir = await mkdtemp(join(tmpdir(), 'dispatch-vnu-'));
  try {
    const files = documents.map((_, i) => join(dir, `${i}.html`));
    await Promise.all(documents.map((d, i) => writeFile(files[i]!, d.html)));
    // vnu exits 1 when it finds errors; the JSON on stdout is the answer either way.
    const stdout = await promisify(execFile)(
      'java',
      ['-jar', VNU_JAR, '--format', 'json', '--stdout', ...files],
      { maxBuffer: 64 * 1024 * 1024 },
    ).then(
      (r) => r.stdout,
      (e: { stdout?: string }) => {
        if (!e.stdout) throw e;
        return e.stdout;
      },
    );
    const { messages } = JSON.parse(stdout) as { messages: (NuMessage & { url: string })[] };
    const byName = new Map(documents.map((d) => [d.name, [] as NuMessage[]]));
    for (const m of messages) {
      if (m.type === 'info') continue;
      const index = Number(/(\d+)\.html$/.exec(m.url)?.[1]);
      byName.get(documents[index]!.name)!.push(m);
    }
    return byName;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
