import { readFile } from 'node:fs/promises';
import { brotliDecompressSync } from 'node:zlib';
import type { DisposableDomains } from '../../core/abuse/ports.js';

/**
 * The `disposable-email-domains` list (~120,000 domains, 2.4 MB of JSON) would be five times the
 * API bundle's whole budget, so it is not bundled: `npm run build:disposable-domains` writes it
 * sorted, newline-separated and brotli-compressed (~570 KB) to `data/disposable-domains.txt.br`,
 * which is copied into the API's package beside the bundle (infra/functions.ts, `copyFiles`) and
 * read on the first signup of an instance only. It is searched where it lies, as sorted text: a
 * Set of 120,000 strings took three times as long to build (~60 ms) as reading and decompressing
 * the file, on the cold start of the API's first signup.
 */
export class FileDisposableDomains implements DisposableDomains {
  private domains: Promise<SortedLines> | undefined;

  constructor(private readonly file: string) {}

  async isDisposable(domain: string): Promise<boolean> {
    this.domains ??= loadDomains(this.file);
    const list = await this.domains;
    // A subdomain of a throwaway service is just as throwaway (x.mailinator.com).
    const labels = domain.toLowerCase().split('.');
    for (let i = 0; i < labels.length - 1; i++)
      if (list.has(labels.slice(i).join('.'))) return true;
    return false;
  }
}

export async function loadDomains(file: string): Promise<SortedLines> {
  return new SortedLines(brotliDecompressSync(await readFile(file)).toString('utf8'));
}

/**
 * Lines in ascending order (the build script's `sort()`; domains are ASCII, punycoded), looked up
 * by binary search over the text itself: each step finds the line around its midpoint.
 */
export class SortedLines {
  constructor(private readonly text: string) {}

  has(line: string): boolean {
    let lo = 0;
    let hi = this.text.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const start = this.text.lastIndexOf('\n', mid - 1) + 1;
      let end = this.text.indexOf('\n', start);
      if (end < 0) end = this.text.length;
      const here = this.text.slice(start, end);
      if (here === line) return true;
      if (here < line) lo = end + 1;
      else hi = start;
    }
    return false;
  }

  get size(): number {
    let n = 0;
    for (const line of this.text.split('\n')) if (line) n++;
    return n;
  }
}

/** A fixed list, for tests. */
export class StaticDisposableDomains implements DisposableDomains {
  private readonly set: Set<string>;
  constructor(domains: Iterable<string>) {
    this.set = new Set(domains);
  }
  async isDisposable(domain: string) {
    const labels = domain.toLowerCase().split('.');
    for (let i = 0; i < labels.length - 1; i++)
      if (this.set.has(labels.slice(i).join('.'))) return true;
    return false;
  }
}
