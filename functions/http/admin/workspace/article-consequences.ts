/**
 * What publishing, unpublishing and restoring a workspace article say before they are done (see
 * ask-first.tsx): where it appears or stops appearing, who is mailed, and what mail already sent
 * keeps.
 */
import type { Context } from 'hono';
import { getArticle, getRevision } from '../../../core/articles/manage.js';
import type { AdminDeps } from '../deps.js';
import { readableDate } from '../pages/when.js';
import { formOf } from './article-form.js';
import type { Consequence } from './ask-first.js';
import { audienceOf } from './consequences.js';
import type { WorkspaceEnv } from './page.js';

type Describe = (c: Context<WorkspaceEnv>) => Promise<Consequence>;

async function articleOf(deps: AdminDeps, c: Context<WorkspaceEnv>) {
  const article = await getArticle(deps, c.req.param('slug') ?? '');
  const form = formOf(article.slug, article.source);
  const topics = deps.publication.topics.map((t) => t.id).filter((id) => form[`topic-${id}`]);
  return { article, form, topics, back: `/admin/articles/${article.slug}/edit` };
}

const everyArticle = (deps: AdminDeps, topics: string[]) =>
  audienceOf(deps, { audience: { topics, frequencies: ['immediate'] } });

export const publishing =
  (deps: AdminDeps): Describe =>
  async (c) => {
    const { article, form, topics, back } = await articleOf(deps, c);
    const mail = form.sendWhenPublished
      ? `It is mailed at once, without waiting for approval, to ${everyArticle(deps, topics)}: an email cannot be recalled once sent.`
      : `${everyArticle(deps, topics)} get it as its own email only once an editor approves it under Articles.`;
    return {
      title: `Publish “${form.title}”?`,
      says: `“${form.title}” appears at /articles/${article.slug}, in the archive and in the RSS and Atom feeds now, and in the next daily and weekly digests. ${mail} Its address is fixed from now on.`,
      button: `Publish “${form.title}” now`,
      back,
      kind: form.sendWhenPublished ? 'danger' : 'primary',
    };
  };

export const unpublishing =
  (deps: AdminDeps): Describe =>
  async (c) => {
    const { article, form, back } = await articleOf(deps, c);
    return {
      title: `Unpublish “${form.title}”?`,
      says: `“${form.title}” leaves the archive, the feeds and the digests not yet sent, and /articles/${article.slug} answers “page not found”. Mail already sent keeps its copy, but its “view in your browser” link stops working. You can publish it again; its address stays reserved for it.`,
      button: `Unpublish “${form.title}”`,
      back,
    };
  };

export const restoring =
  (deps: AdminDeps): Describe =>
  async (c) => {
    const { article, form, back } = await articleOf(deps, c);
    const revision = await getRevision(deps, article.slug, Number(c.req.param('number')));
    const live = article.state === 'published' || article.state === 'scheduled';
    return {
      title: `Restore revision ${revision.number} of “${form.title}”?`,
      says: `The article's text becomes revision ${revision.number}'s, saved by ${revision.by} on ${readableDate(revision.at)}. A new revision records the restore: nothing in the history is lost. ${
        live
          ? 'It is published: its web page and feeds change now; mail already sent does not.'
          : 'Readers see nothing of it until it is published.'
      }`,
      button: `Restore revision ${revision.number}`,
      back,
      kind: 'primary',
    };
  };
