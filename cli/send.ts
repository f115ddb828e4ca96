/**
 * `npm run send -- <article-slug>`: sends an article to every confirmed subscriber of its topics,
 * through the stack `npm start` runs (or wherever the environment points), in the foreground,
 * with a progress bar. Running it again sends nobody the article twice.
 */
import { parseArgs } from 'node:util';
import { SingleBar } from 'cli-progress';
import { MjmlIssueRenderer } from '../functions/adapters/mjml/mjml-renderer.js';
import { buildDeliveryDeps, parseConfig } from '../functions/config.js';
import { publishedArticles } from '../functions/core/content/article.js';
import { sendArticle } from '../functions/core/delivery/send-article.js';
import { DomainError } from '../functions/core/errors.js';
import { dataDirOf, readStackInfo } from '../infra/local/environment.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { concurrency: { type: 'string', default: '4' }, help: { type: 'boolean', short: 'h' } },
});
const slug = positionals[0];
if (values.help || !slug) {
  console.error('usage: npm run send -- <article-slug> [--concurrency N]');
  process.exit(values.help ? 0 : 2);
}

// The local stack wrote where its emulators are; anything already in the environment wins.
const stack = await readStackInfo(dataDirOf(process.env));
for (const [key, value] of Object.entries(stack?.env ?? {})) process.env[key] ??= value;

const config = parseConfig(process.env);
const deps = await buildDeliveryDeps(config, new MjmlIssueRenderer(config.TEMPLATES_DIR));
const articles = await deps.articles.all();
const article = articles.find((a) => a.slug === slug);
if (!article || article.draft) {
  const known = publishedArticles(articles).map((a) => `  ${a.slug}`).join('\n');
  console.error(`No published article "${slug}" in ${config.CONTENT_DIR}/. Published articles:\n${known}`);
  process.exit(2);
}

const bar = new SingleBar({
  format: '  {bar} {percentage}% | {value}/{total} recipients | sent {sent} · skipped {skipped} · failed {failed}',
  barCompleteChar: '█',
  barIncompleteChar: '░',
  stream: process.stderr,
  noTTYOutput: true,
  notTTYSchedule: 1000,
});
console.log(`Sending "${article.title}" (${article.topics.join(', ')}) as ${deps.publication.fromName} <${deps.publication.fromAddress}>`);

try {
  let started = false;
  const summary = await sendArticle(deps, article, {
    concurrency: Number(values.concurrency),
    onProgress: (s) => {
      const done = s.sent + s.skipped + s.ambiguous.length + s.failed.length;
      const payload = { sent: s.sent, skipped: s.skipped + s.ambiguous.length, failed: s.failed.length };
      if (!started) {
        bar.start(s.total, done, payload);
        started = true;
      } else bar.update(done, payload);
    },
  });
  bar.stop();
  console.log(
    `\nDone: ${summary.total} recipients: ${summary.sent} sent, ${summary.skipped + summary.ambiguous.length} skipped ` +
      `(${summary.skipped} already sent${summary.ambiguous.length ? `, ${summary.ambiguous.length} ambiguous, not resent` : ''}), ${summary.failed.length} failed.`,
  );
  for (const id of summary.ambiguous) console.log(`  ambiguous: subscriber ${id} (a previous run stopped between SES and the ledger)`);
  for (const f of summary.failed) console.log(`  failed: subscriber ${f.subscriberId}: ${f.reason}`);
  process.exit(summary.failed.length > 0 ? 1 : 0);
} catch (error) {
  bar.stop();
  if (error instanceof DomainError) {
    console.error(`\n${error.message}`);
    process.exit(1);
  }
  const hint = (error as Error).name === 'TimeoutError' || /ECONNREFUSED/.test(String((error as Error).cause ?? error))
    ? '\nIs the local stack running? Start it with `npm start` in another terminal.'
    : '';
  console.error(`\nSend stopped: ${(error as Error).message}${hint}`);
  process.exit(1);
}
