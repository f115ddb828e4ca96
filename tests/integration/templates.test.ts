import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MjmlIssueRenderer } from '../../functions/adapters/mjml/mjml-renderer.js';
import { runWorker } from '../../functions/core/delivery/worker.js';
import { publishNewArticles, startDigest } from '../../functions/core/issues/digests.js';
import { aPublication, aSubscriber, anArticle, memoryDeliveryDeps } from '../support/builders.js';
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

  it('fills a merge tag written in a template per reader, escaped, or its fallback, from one MJML render', async () => {
    // A greeting an editor adds to the digest's template (a digest has no article body of its own).
    const dir = join(await mkdtemp(join(tmpdir(), 'dispatch-templates-')), 'templates');
    await cp('templates', dir, { recursive: true });
    const digest = await readFile(join(dir, 'digest.mjml'), 'utf8');
    const masthead = '<mj-include path="./partials/masthead.mjml" />';
    expect(digest).toContain(masthead);
    await writeFile(
      join(dir, 'digest.mjml'),
      digest.replace(
        masthead,
        `${masthead}\n<mj-section><mj-column><mj-text>Hello %%name|reader%%, in %%fields.city|your town%%.</mj-text></mj-column></mj-section>`,
      ),
    );
    const renderer = new MjmlIssueRenderer(dir);
    let renders = 0;
    const deps = {
      ...memoryDeliveryDeps([anArticle({ slug: 'old' })]),
      publication: aPublication({ fields: await loadFields('content') }),
      renderer: {
        render: (...args: Parameters<MjmlIssueRenderer['render']>) => {
          renders++;
          return renderer.render(...args);
        },
      },
    };
    await publishNewArticles(deps);
    deps.articles.list.push(anArticle({ slug: 'new-one', title: 'New one' }));
    await publishNewArticles(deps);
    const named = aSubscriber({
      frequency: 'daily',
      name: 'Tom & "Jerry"',
      fields: { city: 'Skopje <North>' },
    });
    const anonymous = aSubscriber({ frequency: 'daily' });
    for (const r of [named, anonymous]) await deps.subscribers.create(r);

    const started = await startDigest(deps, 'daily', new Date(deps.clock.now().getTime() + 60_000));
    expect(started.status).toBe('started');
    await runWorker(deps, { issueId: (started as { issue: { id: string } }).issue.id });

    const [toNamed] = deps.mailer.to(named.email);
    expect(toNamed!.html).toContain('Hello Tom &#38; &#34;Jerry&#34;, in Skopje &#60;North&#62;.');
    expect(toNamed!.text).toContain('Hello Tom & "Jerry", in Skopje <North>.');
    const [toAnonymous] = deps.mailer.to(anonymous.email);
    expect(toAnonymous!.html).toContain('Hello reader, in your town.');
    expect(toAnonymous!.text).toContain('Hello reader, in your town.');
    expect(`${toNamed!.html}${toAnonymous!.text}`).not.toContain('%%');
    // MJML ran once for the edition; each reader cost the splice, not a render.
    expect(renders).toBe(1);
  });
});
