import type { Article } from '../../core/content/article.js';
import { escapeHtml } from '../../core/email/personalize.js';
import { articleUrl } from '../../core/links.js';
import type { CompiledEmail, IssueRenderer } from '../../core/ports.js';
import type { Publication } from '../../core/publication.js';
import { compileTemplate } from './compile.js';

/** Renders issue emails from `templates/*.mjml`; one compile per issue. */
export class MjmlIssueRenderer implements IssueRenderer {
  constructor(private readonly templatesDir: string) {}

  renderArticle(article: Article, publication: Publication): Promise<CompiledEmail> {
    return compileTemplate(this.templatesDir, 'article', {
      text: {
        title: article.title,
        summary: article.summary,
        byline: article.author ?? article.desk ?? '',
        date_label: formatDate(article.date),
        web_url: articleUrl(publication, article.slug),
      },
      html: { body_html: article.html, further_reading_html: furtherReadingHtml(article) },
    });
  }
}

export const formatDate = (date: Date) =>
  date.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

function furtherReadingHtml(article: Article): string {
  const item = (entry: { title: string; url?: string }) =>
    entry.url ? `<li><a href="${escapeHtml(entry.url)}">${escapeHtml(entry.title)}</a></li>` : `<li>${escapeHtml(entry.title)}</li>`;
  const section = (heading: string, entries: { title: string; url?: string }[]) =>
    entries.length ? `<h2>${heading}</h2><ul>${entries.map(item).join('')}</ul>` : '';
  return section('Sources', article.sources) + section('Related', article.related);
}
