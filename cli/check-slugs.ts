/**
 * `npm run check:slugs [-- --stage <name>]`: fails (exit 1) when a `content/` file takes the slug
 * of a workspace article in that stage's table, naming each; run it before `sst deploy`
 * (`npm run deploy -- --stage production` runs it first, scripts/deploy.ts; docs/deploy.md). The
 * files checked are this checkout's content/ (what the deploy would package); the articles, the
 * stage's. A stage's first deploy has no table yet: inside `sst shell` with no `Table` resource
 * there is no workspace article to collide with, and it says so.
 */
import { collisionMessage, slugCollisions } from '../functions/core/articles/collisions.js';
import { cli } from './args.js';
import { describeFailure, editorDeps, openTarget } from './bootstrap.js';
import { sstResources } from './target.js';

const USAGE = `usage: npm run check:slugs

  Compares content/*.md with the workspace's articles in the table: exit 1 naming each slug both
  have (the file would be served and the article hidden), 0 when there is none.`;

const { stage } = cli(USAGE, {});
try {
  const resources = sstResources(process.env);
  if (resources.App && !resources.Table) {
    console.log(
      `Stage ${String(resources.App.stage)} has no table yet (never deployed): no workspace article to collide with.`,
    );
    process.exit(0);
  }
  const collisions = await slugCollisions(await editorDeps(await openTarget(stage)));
  if (collisions.length > 0) {
    console.error(collisionMessage(collisions));
    process.exit(1);
  }
  console.log('No content/ file takes a workspace article’s slug.');
  process.exit(0);
} catch (error) {
  console.error(describeFailure(error));
  process.exit(1);
}
