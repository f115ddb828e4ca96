import { readFile } from 'node:fs/promises';
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
});
