import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { convert } from 'html-to-text';
import mjml2html from 'mjml';
import type { CompiledEmail } from '../../core/ports.js';
import { escapeHtml } from '../../core/email/personalize.js';

export type TemplateValues = {
  /** Inserted HTML-escaped where the template says `{{name}}`. */
  text?: Record<string, string>;
  /** Inserted as is where the template says `{{{name}}}`: HTML we rendered ourselves. */
  html?: Record<string, string>;
};

/**
 * Compiles `templates/<name>.mjml` to HTML and its plain-text part, in strict validation mode.
 * `{{…}}` values are fixed at compile time (the article); `%%…%%` placeholders are left for
 * `preparePersonalization` to fill per recipient.
 */
export async function compileTemplate(
  templatesDir: string,
  name: string,
  values: TemplateValues = {},
): Promise<CompiledEmail> {
  const filePath = join(templatesDir, `${name}.mjml`);
  const source = (await readFile(filePath, 'utf8'))
    .replace(/\{\{\{([a-z_]+)\}\}\}/g, (_, key: string) => lookup(values.html, key, name))
    .replace(/\{\{([a-z_]+)\}\}/g, (_, key: string) => escapeHtml(lookup(values.text, key, name)));
  // MJML 5 ignores mj-include unless told otherwise; includes are scoped to the templates folder.
  // In strict mode MJML throws on invalid markup; either way the template's name leads the message.
  let result: Awaited<ReturnType<typeof mjml2html>>;
  try {
    result = await mjml2html(source, {
      validationLevel: 'strict',
      filePath,
      keepComments: false,
      ignoreIncludes: false,
      includePath: templatesDir,
    });
  } catch (error) {
    throw new Error(`templates/${name}.mjml: ${(error as Error).message.trim()}`, { cause: error });
  }
  const { html, errors } = result;
  if (errors.length > 0) {
    throw new Error(
      `templates/${name}.mjml: ${errors.map((e) => e.formattedMessage ?? e.message).join('; ')}`,
    );
  }
  return { html, text: htmlToText(html) };
}

function lookup(values: Record<string, string> | undefined, key: string, template: string): string {
  const value = values?.[key];
  if (value === undefined) throw new Error(`templates/${template}.mjml: no value for {{${key}}}`);
  return value;
}

/** A real text part: headings, lists and links kept readable, images and the hidden preheader dropped. */
export function htmlToText(html: string): string {
  return convert(html, {
    wordwrap: 78,
    selectors: [
      { selector: 'img', format: 'skip' },
      { selector: 'title', format: 'skip' },
      { selector: 'div[style*="display:none"]', format: 'skip' },
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      { selector: 'h1', options: { uppercase: false } },
      { selector: 'h2', options: { uppercase: false } },
    ],
  });
}
