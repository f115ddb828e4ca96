/**
 * `npm run send -- <article-slug> [--workers N]`: sends an article to every confirmed subscriber
 * of its topics, whatever their frequency, in the foreground, until everyone is sent, suppressed
 * or ambiguous; then exits 0. Killed and run again, it resumes; run after it finished, it reports
 * (nobody is ever sent the article twice).
 */
import { exitIfHeld } from './held.js';
import { publishedArticles } from '../functions/core/content/article.js';
import {
  findOrCreateEditorSend,
  issueReport,
  resumeIssue,
  sendIssueNow,
} from '../functions/core/issues/manage-issues.js';
import { cli } from './args.js';
import { describeFailure, editorDeps, openTarget, summaryLine } from './bootstrap.js';
import { queueForFleet, sendInForeground, watchIssue } from './foreground.js';
import { TargetRefused } from './target.js';

const USAGE = `usage: npm run send -- <article-slug> [--workers N]

  Sends the article to every confirmed reader of its topics, in the foreground, until finished;
  run again after a kill, it resumes. --workers: senders at once, 1 to 64 (default 1).
  On a stage, the stage's sender fleet sends it and this watches until it is finished.`;

const { positionals, values, stage, need, wholeNumber } = cli(USAGE, {
  workers: { type: 'string' },
});
const slug = need(positionals[0], 'the article slug');
const workers = wholeNumber(values.workers ?? '1', '--workers', { min: 1, max: 64 });

try {
  const target = await openTarget(stage);
  if (target.kind === 'stage' && values.workers !== undefined)
    throw new TargetRefused(
      `--workers is for the local stack: on stage ${target.stage} the sender fleet sends (DISPATCH_SEND_FLEET_SIZE senders).`,
    );
  const deps = await editorDeps(target, { workers });
  const articles = await deps.articles.all();
  const article = articles.find((a) => a.slug === slug);
  if (!article || article.draft) {
    const known = publishedArticles(articles)
      .map((a) => `  ${a.slug}`)
      .join('\n');
    console.error(`No published article "${slug}" in content/. Published articles:\n${known}`);
    process.exit(2);
  }
  let issue = await findOrCreateEditorSend(deps, slug);
  if (issue.state === 'draft' || issue.state === 'scheduled')
    issue = exitIfHeld(await sendIssueNow(deps, issue.id)).issue;
  // Running `send` again means "send it": a pause (by an editor or for the quota) is lifted.
  if (issue.state === 'paused') issue = exitIfHeld(await resumeIssue(deps, issue.id)).issue;
  if (issue.state === 'cancelled') {
    console.error(`Issue ${issue.id} was cancelled; nothing more is sent.`);
    process.exit(1);
  }
  console.log(
    `Sending "${issue.subject}" (${issue.audience.topics.join(', ')}) as ${deps.publication.fromName} <${deps.publication.fromAddress}>: issue ${issue.id}`,
  );
  if (issue.state === 'sending' && target.kind === 'stage') {
    await queueForFleet(deps, issue.id);
    console.log('  Watching; Ctrl-C stops the watch, not the send.');
    await watchIssue(deps, issue.id);
  } else if (issue.state === 'sending') await sendInForeground(deps, issue.id, workers);
  else if (issue.state === 'sent')
    console.log(`Issue ${issue.id} was sent already; nobody is sent it twice.`);

  const report = await issueReport(deps, issue.id);
  console.log(`\nDone: ${summaryLine(report.counts)}`);
  for (const id of report.ambiguous)
    console.log(
      `  ambiguous: subscriber ${id} (a worker stopped between SES and the ledger; not resent)`,
    );
  for (const f of report.failures)
    console.log(`  failed: subscriber ${f.subscriberId}: ${f.reason}`);
  if (report.issue.state !== 'sent') {
    console.log(
      `Issue ${issue.id} is ${report.issue.state}${report.issue.pause?.message ? `: ${report.issue.pause.message}` : ''}.`,
    );
    process.exit(1);
  }
  process.exit(0);
} catch (error) {
  console.error(`\nSend stopped: ${describeFailure(error)}`);
  process.exit(1);
}
