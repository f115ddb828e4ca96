import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pages = [
  'README.md',
  'SECURITY.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The Markdown a reader sees as prose: fenced blocks and inline code hold no links. */
const prose = (markdown: string) =>
  markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');

/** Inline links and images, `[text](target "title")`, that stay inside the repository. */
function relativeLinks(markdown: string): string[] {
  const targets = [...prose(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)];
  return targets.map((m) => m[1]!).filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  const headings = markdown
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
    .matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm);
  for (const [, text] of headings) {
    const plain = text!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[`*_]/g, '')
      .toLowerCase();
    const slug = plain.replace(/[^\p{L}\p{N}\s-]/gu, '').replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

function brokenLinks(page: string): string[] {
  const source = readFileSync(join(root, page), 'utf8');
  return relativeLinks(source).flatMap((link) => {
    const [path = '', anchor] = link.split('#');
    const file = path === '' ? join(root, page) : resolve(dirname(join(root, page)), path);
    if (!existsSync(file)) return [`${link}: no file ${relative(root, file)}`];
    if (anchor === undefined || statSync(file).isDirectory()) return [];
    return anchorsOf(readFileSync(file, 'utf8')).has(decodeURIComponent(anchor))
      ? []
      : [`${link}: no heading #${anchor} in ${relative(root, file)}`];
  });
}

describe('documentation links', () => {
  it.each(pages)('every relative link in %s leads to a file (and heading) that exists', (page) => {
    expect(brokenLinks(page)).toEqual([]);
  });

  it('the README links to every page in docs/', () => {
    const linked = new Set(relativeLinks(readFileSync(join(root, 'README.md'), 'utf8')));
    const unlinked = pages
      .filter((page) => page.startsWith('docs/'))
      .filter((page) => ![...linked].some((link) => link.split('#')[0] === page));
    expect(unlinked).toEqual([]);
  });

  it('finds links and anchors the way GitHub renders them', () => {
    const sample = '# Sending: issues, digests\n## The `tick` (every minute)\n## Notes\n## Notes\n';
    expect([...anchorsOf(sample)]).toEqual([
      'sending-issues-digests',
      'the-tick-every-minute',
      'notes',
      'notes-1',
    ]);
    const links = '[a](docs/x.md#y) [b](https://example.com) `[c](no.md)` ![d](img.png "t")';
    expect(relativeLinks(links)).toEqual(['docs/x.md#y', 'img.png']);
  });
});
