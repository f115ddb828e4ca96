import type { Article } from '../../core/content/article.js';
import { emailSafeImages } from './email-images.js';
import { escapeHtml } from '../../core/email/personalize.js';
import type { Issue } from '../../core/issues/issue.js';
import { absoluteLinks, articleUrl } from '../../core/links.js';
import type { CompiledEmail, IssueRenderer } from '../../core/ports.js';
import type { Publication } from '../../core/publication.js';

/**
 * Renders issue emails from `templates/*.mjml`; one compile per issue.
 *
 * MJML (84 modules, most of the tick's and the digests' 3.6 MB) is imported at the first render,
 * not when the function starts: a tick with nothing to send never evaluates it. The bundle still
 * carries it (esbuild inlines a dynamic import of a bundled module, evaluated when first called).
 */
export class MjmlIssueRenderer implements IssueRenderer {
  constructor(private readonly templatesDir: string) {}

  async render(
    issue: Issue,
    articles: readonly Article[],
    publication: Publication,
  ): Promise<CompiledEmail> {
    const { compileTemplate } = await import('./compile.js');
    const note = editorNoteHtml(issue.editorNote);
    if (issue.content.kind === 'article') {
      const article = articles[0]!;
      return compileTemplate(this.templatesDir, 'article', {
        text: {
          title: article.title,
          summary: article.summary,
          byline: article.author ?? article.desk ?? '',
          date_label: formatDate(article.date),
          web_url: articleUrl(publication, article.slug),
        },
        html: {
          body_html: emailSafeImages(absoluteLinks(article.emailHtml, publication.baseUrl)),
          further_reading_html: furtherReadingHtml(article),
          editor_note_html: note,
        },
      });
    }
    const label = issue.content.frequency === 'daily' ? 'Your daily digest' : 'Your weekly digest';
    return compileTemplate(this.templatesDir, 'digest', {
      text: {
        title: label,
        summary: articles
          .map((a) => a.title)
          .join(' · ')
          .slice(0, 150),
        period_label: periodLabel(issue),
        archive_url: `${publication.baseUrl}/articles`,
      },
      html: {
        articles_html: articles.map((a) => digestEntryHtml(a, publication)).join(''),
        editor_note_html: note,
      },
    });
  }
}

export const formatDate = (date: Date) =>
  date.toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });

function periodLabel(issue: Issue) {
  return issue.content.kind === 'digest'
    ? `${issue.content.slugs.length} new article${issue.content.slugs.length === 1 ? '' : 's'}`
    : '';
}

function editorNoteHtml(note: string | undefined): string {
  if (!note) return '';
  const paragraphs = note
    .split(/\n{2,}/)
    .map((p) => `<p style="margin:0 0 8px">${escapeHtml(p).replace(/\n/g, '<br />')}</p>`);
  return `<div style="border-left:4px solid #0b5cad;padding:4px 0 4px 16px;margin:0 0 8px">${paragraphs.join('')}</div>`;
}

function digestEntryHtml(article: Article, publication: Publication): string {
  const url = escapeHtml(articleUrl(publication, article.slug));
  return (
    `<h2 style="margin:24px 0 4px"><a href="${url}" style="color:#1f2328;text-decoration:none">${escapeHtml(article.title)}</a></h2>` +
    `<p class="meta" style="margin:0 0 6px">${escapeHtml(article.author ?? article.desk ?? '')} &middot; ${escapeHtml(formatDate(article.date))}</p>` +
    `<p style="margin:0 0 6px">${escapeHtml(article.summary)}</p>` +
    `<p style="margin:0"><a href="${url}">Read the article</a></p>`
  );
}

function furtherReadingHtml(article: Article): string {
  const item = (entry: { title: string; url?: string }) =>
    entry.url
      ? `<li><a href="${escapeHtml(entry.url)}">${escapeHtml(entry.title)}</a></li>`
      : `<li>${escapeHtml(entry.title)}</li>`;
  const section = (heading: string, entries: { title: string; url?: string }[]) =>
    entries.length ? `<h2>${heading}</h2><ul>${entries.map(item).join('')}</ul>` : '';
  return section('Sources', article.sources) + section('Related', article.related);
}
