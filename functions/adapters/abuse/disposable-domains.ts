import { readFile } from 'node:fs/promises';
import { brotliDecompressSync } from 'node:zlib';
import type { DisposableDomains } from '../../core/abuse/ports.js';

/**
 * The `disposable-email-domains` list (~120,000 domains, 2.4 MB of JSON) would be five times the
 * API bundle's whole budget, so it is not bundled: `npm run build:disposable-domains` writes it
 * sorted, newline-separated and brotli-compressed (~540 KB) to `data/disposable-domains.txt.br`,
 * which is copied into the API's package beside the bundle (infra/functions.ts, `copyFiles`) and
 * read on the first signup of an instance only, then kept as a Set.
 */
export class FileDisposableDomains implements DisposableDomains {
  private domains: Promise<Set<string>> | undefined;

  constructor(private readonly file: string) {}

  async isDisposable(domain: string): Promise<boolean> {
    this.domains ??= loadDomains(this.file);
    const set = await this.domains;
    // A subdomain of a throwaway service is just as throwaway (x.mailinator.com).
    const labels = domain.toLowerCase().split('.');
    for (let i = 0; i < labels.length - 1; i++) if (set.has(labels.slice(i).join('.'))) return true;
    return false;
  }
}

export async function loadDomains(file: string): Promise<Set<string>> {
  const text = brotliDecompressSync(await readFile(file)).toString('utf8');
  return new Set(text.split('\n').filter(Boolean));
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
