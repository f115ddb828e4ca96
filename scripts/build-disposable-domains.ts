/**
 * Writes the `disposable-email-domains` package's list as the API reads it: sorted, one domain a
 * line, brotli-compressed (2.4 MB of JSON -> ~540 KB), into `data/`, which is copied beside the
 * API bundle instead of being bundled (the bundle's budget is 500 KB). `npm run
 * build:disposable-domains` after updating the package; a test fails while the file is stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
export const DISPOSABLE_DOMAINS_PATH = `${root}data/disposable-domains.txt.br`;

/** The package's domains, normalized as the signup compares them. */
export async function packagedDisposableDomains(): Promise<string[]> {
  const file = createRequire(import.meta.url).resolve('disposable-email-domains');
  const list = JSON.parse(await readFile(file, 'utf8')) as string[];
  return [...new Set(list.map((d) => d.trim().toLowerCase()).filter(Boolean))].sort();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = (await packagedDisposableDomains()).join('\n');
  const compressed = brotliCompressSync(Buffer.from(text), {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: text.length,
    },
  });
  await writeFile(DISPOSABLE_DOMAINS_PATH, compressed);
  console.log(`wrote ${DISPOSABLE_DOMAINS_PATH} (${(compressed.length / 1024).toFixed(0)} KB)`);
}
