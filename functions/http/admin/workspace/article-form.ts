import matter from 'gray-matter';
import { type Article, ArticleError, parseArticle } from '../../../core/content/article.js';
import { DomainError, ErrorCodes, type FieldIssue, invalidInput } from '../../../core/errors.js';
import type { Publication } from '../../../core/publication.js';

/**
 * The workspace's article form, which runs no script, and the markdown file it stands for: the
 * same front matter and body a `content/` file holds, so the form, the admin API and the files go
 * through one schema (`parseArticle`). Sources and related reading are one per line, "Title |
 * https://address"; topics are ticked; the body is markdown. There is no draft box: a workspace
 * article's state (draft, scheduled, published) says that.
 */
export type ArticleForm = Record<string, string>;

const text = (form: Record<string, unknown>, name: string) =>
  typeof form[name] === 'string' ? (form[name] as string) : '';
const trimmed = (form: Record<string, unknown>, name: string) => text(form, name).trim();

type Link = { title: string; url?: string };

/** "Title | https://address" lines: the address after the last bar; a line without one is a title. */
function linesOf(raw: string, field: 'sources' | 'related', issues: FieldIssue[]): Link[] {
  const links: Link[] = [];
  raw.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    const bar = line.lastIndexOf('|');
    const title = (bar < 0 ? line : line.slice(0, bar)).trim();
    const url = bar < 0 ? '' : line.slice(bar + 1).trim();
    if (!title || (field === 'sources' && !url))
      issues.push({
        field,
        message: `line ${i + 1}: write it as Title | https://address`,
      });
    links.push(url ? { title, url } : { title });
  });
  return links;
}

/** A lower-case slug from a title ("Roads & rail: 2027" → "roads-rail-2027"), for a new article. */
export const slugFrom = (title: string) =>
  title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');

/**
 * The markdown file the form describes. Written by a YAML writer, never by pasting text into
 * YAML, so a title with a colon or "---" stays a title. A line the form cannot read is refused
 * here, by its field, before the schema sees the rest.
 */
export function articleSource(
  form: Record<string, unknown>,
  publication: Pick<Publication, 'topics'>,
): string {
  const issues: FieldIssue[] = [];
  const sources = linesOf(text(form, 'sources'), 'sources', issues);
  const related = linesOf(text(form, 'related'), 'related', issues);
  if (issues.length) throw invalidInput(issues);
  const data: Record<string, unknown> = {
    title: trimmed(form, 'title'),
    date: trimmed(form, 'date'),
    summary: trimmed(form, 'summary'),
    topics: publication.topics.map((t) => t.id).filter((id) => form[`topic-${id}`]),
    ...(trimmed(form, 'author') && { author: trimmed(form, 'author') }),
    ...(trimmed(form, 'desk') && { desk: trimmed(form, 'desk') }),
    sources,
    related,
    sendWhenPublished: Boolean(form.sendWhenPublished),
  };
  return matter.stringify(`${text(form, 'body').replace(/\r\n/g, '\n').trim()}\n`, data);
}

const lines = (links: readonly Link[]) =>
  links.map((l) => (l.url ? `${l.title} | ${l.url}` : l.title)).join('\n');

/** The form filled in from a stored article's file, to edit it. */
export function formOf(slug: string, source: string): ArticleForm {
  // A copy: gray-matter caches what it parsed by the text, and hands out the same object.
  const { data, content } = matter(source);
  const fm = data as Record<string, unknown>;
  const date = fm.date instanceof Date ? fm.date.toISOString() : String(fm.date ?? '');
  const form: ArticleForm = {
    slug,
    title: String(fm.title ?? ''),
    date: date.slice(0, 10),
    summary: String(fm.summary ?? ''),
    author: String(fm.author ?? ''),
    desk: String(fm.desk ?? ''),
    sources: lines((fm.sources as Link[] | undefined) ?? []),
    related: lines((fm.related as Link[] | undefined) ?? []),
    body: content.trim(),
  };
  for (const topic of (fm.topics as string[] | undefined) ?? []) form[`topic-${topic}`] = '1';
  if (fm.sendWhenPublished === true) form.sendWhenPublished = '1';
  return form;
}

/**
 * A problem named as the form names its parts: the file's name is the slug, `sources.2.url` is
 * the Sources box's third line, the body is the Body box.
 */
function formIssue(issue: FieldIssue): FieldIssue {
  const [head, index] = issue.field.split('.');
  if (head === '(file name)') return { field: 'slug', message: issue.message };
  if (head === '(body)' || head === 'source') return { field: 'body', message: issue.message };
  if ((head === 'sources' || head === 'related') && index !== undefined && /^\d+$/.test(index))
    return { field: head, message: `line ${Number(index) + 1}: ${issue.message}` };
  if (head === 'topics') return { field: 'topics', message: issue.message };
  return issue;
}

/**
 * The work's refusal of the article, each problem under the form's own field: a file the schema
 * refused (ArticleError) or the domain's invalid input alike, so the form shows both the same way.
 */
export async function onTheArticleForm<T>(work: () => T | Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ArticleError) throw invalidInput(error.issues.map(formIssue));
    if (error instanceof DomainError && error.code === ErrorCodes.invalidInput)
      throw new DomainError(
        ErrorCodes.invalidInput,
        error.message,
        {
          issues: (error.details.issues ?? []).map(formIssue),
        },
        { cause: error },
      );
    throw error;
  }
}

/**
 * The article the form describes, checked by the one schema, for a preview that saves nothing.
 * The schema stops at a bad file name; the form says the slug's problem with all the others.
 */
export const articleOfForm = (
  slug: string,
  form: Record<string, unknown>,
  publication: Pick<Publication, 'topics' | 'fields'>,
): Promise<Article> =>
  onTheArticleForm(() => {
    const source = articleSource(form, publication);
    const parse = (name: string) =>
      parseArticle(`${name}.md`, source, publication.topics, publication.fields);
    try {
      return parse(slug);
    } catch (error) {
      if (!(error instanceof ArticleError) || error.issues[0]?.field !== '(file name)') throw error;
      try {
        parse('article');
      } catch (rest) {
        if (rest instanceof ArticleError)
          throw new ArticleError(error.file, [...error.issues, ...rest.issues]);
      }
      throw error;
    }
  });
