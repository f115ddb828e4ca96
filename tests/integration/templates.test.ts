import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadFields } from '../../functions/adapters/content/fs-content.js';
import {
  isReaderTag,
  mergeTagProblems,
  PLACEHOLDER,
} from '../../functions/core/email/merge-tags.js';
import { describe, expect, it } from 'vitest';
import { compileTemplate } from '../../functions/adapters/mjml/compile.js';
import { GENERATED_PATH, renderTransactionalModule } from '../../scripts/build-templates.js';

describe('templates/', () => {
  it('the precompiled transactional emails match their MJML (run `npm run build:templates` after editing templates/)', async () => {
    expect(await readFile(GENERATED_PATH, 'utf8')).toBe(await renderTransactionalModule());
  });

  it('compile in strict mode and refuse invalid MJML', async () => {
    await expect(compileTemplate('tests/fixtures/templates', 'invalid')).rejects.toThrow(
      /invalid\.mjml/,
    );
  });

  it("name only the reader's name and declared fields in their merge tags", async () => {
    const fields = await loadFields('content');
    const files = (await readdir('templates', { recursive: true })).filter((f) =>
      f.endsWith('.mjml'),
    );
    expect(files.length).toBeGreaterThan(4);
    const problems: string[] = [];
    for (const file of files) {
      const source = await readFile(join('templates', file), 'utf8');
      // The placeholders we fill ourselves (%%unsubscribe_url%%) belong here; readers' tags are checked.
      const tags = [...source.matchAll(PLACEHOLDER)].filter((m) => isReaderTag(m[1]!));
      for (const tag of tags)
        problems.push(...mergeTagProblems(tag[0], fields).map((p) => `${file}: ${p}`));
    }
    expect(problems).toEqual([]);
    expect(mergeTagProblems('%%fields.nope|x%%', fields)).toHaveLength(1);
  });
});
