import matter from 'gray-matter';
import { Marked } from 'marked';
import * as z from 'zod';
import { mergeTagProblems, PLACEHOLDER, withFallbacks } from '../email/merge-tags.js';
import type { Topic } from '../publication.js';
import type { FieldDefinition } from '../subscribers/fields.js';
import {
  type ImageSize,
  imageSizeInPath,
  CONTENT_IMAGE_PATH,
  contentImagePath,
} from '../images/paths.js';

const httpsUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' });

export function frontMatterSchema(topics: readonly Topic[]) {
  const known = topics.map((t) => t.id);
  return z
    .object({
      title: z.string().trim().min(1, 'is required').max(200),
      date: z.coerce.date({ message: 'must be a date (YYYY-MM-DD)' }),
      summary: z.string().trim().min(1, 'is required').max(500),
      topics: z
        .array(z.string())
        .min(1, 'name at least one topic')
        .refine((list) => list.every((t) => known.includes(t)), {
          message: `must only name known topics (${known.join(', ')})`,
        }),
      author: z.string().trim().min(1).optional(),
      desk: z.string().trim().min(1).optional(),
      sources: z.array(z.object({ title: z.string().min(1), url: httpsUrl })).default([]),
      /**
       * Further reading. A scraped "See also" line keeps its headline even when the scrape lost
       * its address, so `url` is optional and a related item without one renders as plain text.
       */
      related: z
        .array(z.object({ title: z.string().min(1), url: httpsUrl.optional() }))
        .default([]),
      draft: z.boolean().default(false),
      /**
       * Mail it to "every article" readers as soon as it is published, as its own issue, without
       * waiting for an editor's approval in the workspace (the default is to wait).
       */
      sendWhenPublished: z.boolean().default(false),
    })
    .strict()
    .refine((fm) => fm.author || fm.desk, {
      message: 'name an author or a desk',
      path: ['author'],
    });
}

export type FrontMatter = z.output<ReturnType<typeof frontMatterSchema>>;

export type Article = FrontMatter & {
  slug: string;
  /** The body as HTML, rendered from the markdown once: for the web, each merge tag its fallback. */
  html: string;
  /** The body as HTML with its merge tags (`%%name|there%%`) kept, for the email's personalisation. */
  emailHtml: string;
  markdown: string;
};

export class ArticleError extends Error {
  override readonly name = 'ArticleError';
  constructor(
    readonly file: string,
    readonly issues: { field: string; message: string }[],
  ) {
    super(`${file}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`);
  }
}

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
/**
 * Links and images may only point at http(s), mailto or this site's own paths. Marked passes any
 * URL through (`javascript:`, `data:`, `vbscript:`, and entity-obfuscated ones like
 * `jav&#x09;ascript:` that a browser decodes back), so anything else is rendered as its text.
 */
const SAFE_URL = /^(https?:\/\/|mailto:|\/(?![/\\])|#)/i;
// Raw HTML in markdown is dropped: articles are text, and their HTML ends up in every email.
const markdown = new Marked({
  gfm: true,
  renderer: {
    html: () => '',
    link(token) {
      return SAFE_URL.test(token.href.trim()) ? false : this.parser.parseInline(token.tokens);
    },
    image(token) {
      const href = token.href.trim();
      if (SAFE_URL.test(href)) return false;
      // `images/map.png` beside the article: content/images/map.png, served by the site.
      const file = CONTENT_IMAGE_PATH.exec(href)?.[1];
      if (file) return `<img src="${contentImagePath(file)}" alt="${escapeText(token.text)}">`;
      return escapeText(token.text);
    },
  },
});
const escapeText = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** Parses one `content/<slug>.md` file; the slug is the file's name. */
export function parseArticle(
  fileName: string,
  source: string,
  topics: readonly Topic[],
  fields: readonly FieldDefinition[] = [],
  /** content/images/'s files and their sizes (fs-content's contentImageSizes). */
  images: ReadonlyMap<string, ImageSize> = new Map(),
): Article {
  const slug = fileName.replace(/\.md$/, '');
  if (!SLUG.test(slug))
    throw new ArticleError(fileName, [
      { field: '(file name)', message: 'must be a lower-case slug like my-article.md' },
    ]);
  let parsed: matter.GrayMatterFile<string>;
  try {
    parsed = matter(source);
  } catch (cause) {
    throw new ArticleError(fileName, [
      { field: '(front matter)', message: `is not valid YAML: ${(cause as Error).message}` },
    ]);
  }
  const result = frontMatterSchema(topics).safeParse(parsed.data);
  if (!result.success) {
    throw new ArticleError(
      fileName,
      result.error.issues.map((i) => ({
        field: i.path.join('.') || '(front matter)',
        message: i.message,
      })),
    );
  }
  const body = parsed.content.trim();
  if (!body) throw new ArticleError(fileName, [{ field: '(body)', message: 'is empty' }]);
  const tagIssues = mergeTagProblems(body, fields).map((message) => ({ field: '(body)', message }));
  // The title and summary are the web page's too, and the title every issue's default subject:
  // a reader's tag belongs in the body, or in an issue's own subject.
  for (const field of ['title', 'summary'] as const)
    if (new RegExp(PLACEHOLDER.source).test(result.data[field]))
      tagIssues.push({
        field,
        message: 'must not hold merge tags: put them in the body, or in the issue’s subject',
      });
  // A value is HTML-escaped, not URL-encoded: in a link's or image's address it would make a
  // different address per reader. Text only.
  if (/\]\([^)]*%%|\]:\s*\S*%%|<[a-z]+:[^>\s]*%%/i.test(body))
    tagIssues.push({
      field: '(body)',
      message: 'a merge tag in a link or image address is not allowed: put it in the text',
    });
  for (const [, file] of body.matchAll(RELATIVE_IMAGE))
    if (!images.has(file!))
      tagIssues.push({
        field: '(body)',
        message: `the image images/${file} is not in content/images/ (or is not a PNG, JPEG, GIF or WebP): add it there, or upload it under Images and paste the markdown it gives`,
      });
  if (tagIssues.length > 0) throw new ArticleError(fileName, tagIssues);
  // Rendered when first read: a page that only lists articles (the signup page, a cold start's
  // usual first request) needs their front matter, not their bodies.
  let html: string | undefined;
  const emailHtml = () =>
    (html ??= withImageSizes(markdown.parse(body, { async: false }) as string, images));
  let webHtml: string | undefined;
  return {
    ...result.data,
    slug,
    markdown: body,
    get emailHtml() {
      return emailHtml();
    },
    get html() {
      return (webHtml ??= withFallbacks(emailHtml()));
    },
  };
}

/** A markdown image naming a file beside the article: `![…](images/map.png)`. */
const RELATIVE_IMAGE = /!\[[^\]]*\]\(\s*<?(?:\.\/)?images\/([^\s)>]+)/g;

/**
 * Our images get their width and height: the page keeps its place while they load, and the
 * email fits each to its column from them (adapters/mjml/email-images.ts). An upload's size is in
 * its name; a content/ file's was read when the articles loaded. `marked` writes `<img src="…"`
 * first, so this rewrites its own output, not arbitrary HTML.
 */
function withImageSizes(html: string, images: ReadonlyMap<string, ImageSize>): string {
  return html.replace(/<img src="([^"]+)"/g, (tag, src: string) => {
    const size = imageSizeInPath(src, images);
    return size ? `${tag} width="${size.width}" height="${size.height}"` : tag;
  });
}

/** Published articles, newest first. */
export function publishedArticles(articles: readonly Article[]): Article[] {
  return articles.filter((a) => !a.draft).sort((a, b) => b.date.getTime() - a.date.getTime());
}
