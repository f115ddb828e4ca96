import type { Child } from 'hono/jsx';
import type { Publication } from '../../../core/publication.js';
import { Csrf } from '../layout.js';
import { type ArticlePreviews, ArticlePreviewPanel } from './article-previews.js';
import { Notice } from './error.js';
import { FormProblems, invalid, type Refused } from './form-problems.js';

/** The form's parts by their labels, for the problems said at its top. */
export const articleLabels: Record<string, string> = {
  slug: 'Address (slug)',
  title: 'Title',
  summary: 'Summary',
  date: 'Date',
  topics: 'Topics',
  author: 'Author',
  desk: 'Desk',
  sources: 'Sources',
  related: 'Related reading',
  body: 'Body',
  sendWhenPublished: 'Send when published',
  '(front matter)': 'Front matter',
  version: 'Version',
};

export type EditorProps = {
  publication: Pick<Publication, 'topics'>;
  /** Where the form posts: /admin/articles/new, or an article's own page. */
  action: string;
  /** A new article names its address; a saved one's is fixed (it is in every email sent). */
  slug: { editable: true } | { editable: false; value: string };
  /** What was typed (after a preview or a refusal), or the stored article's fields. */
  form: Record<string, string>;
  refused?: Refused | undefined;
  previews?: ArticlePreviews | undefined;
  csrf: string;
  /** A viewer reads the form, disabled, with no buttons. */
  canEdit: boolean;
  /** The save button's words: "Save draft", or "Save and update the web page". */
  saveLabel: string;
  notice?: string | undefined;
  /** The article's version as loaded, so a save over someone else's is refused, not lost. */
  version?: number | undefined;
  /** Publish, schedule, history: below the form, for a saved article. */
  children?: Child;
};

/** The article editor: the front matter's fields, the markdown body, Preview and Save. */
export function ArticleEditor(props: EditorProps) {
  const { refused } = props;
  const form = refused?.input ?? props.form;
  const value = (name: string) => form[name] ?? '';
  const problem = (name: string) => invalid(refused, name);
  /** A labelled part, its hint read with it: a line, a box of `rows`, or a date. */
  const field = (name: string, label: string, hint?: string, kind?: number | 'date') => {
    const attrs = {
      id: `article-${name}`,
      name,
      'aria-invalid': problem(name),
      'aria-describedby': hint ? `article-${name}-hint` : undefined,
    };
    return (
      <>
        <label for={attrs.id}>{label}</label>
        {hint ? (
          <p class="hint" id={`article-${name}-hint`}>
            {hint}
          </p>
        ) : null}
        {typeof kind === 'number' ? (
          <textarea {...attrs} rows={kind}>
            {value(name)}
          </textarea>
        ) : (
          <input {...attrs} type={kind ?? 'text'} value={value(name)} />
        )}
      </>
    );
  };
  const linesHint = 'One per line: Title | https://address';
  return (
    <>
      <Notice text={props.notice} />
      {props.previews ? (
        <ArticlePreviewPanel
          previews={props.previews}
          saveLabel={props.canEdit ? props.saveLabel : undefined}
        />
      ) : null}
      <form method="post" action={props.action} id="article-form" class="card">
        <Csrf token={props.csrf} />
        {props.version !== undefined ? (
          <input type="hidden" name="version" value={String(props.version)} />
        ) : null}
        <FormProblems
          refused={refused}
          what="Not saved"
          labels={articleLabels}
          id="article-problems"
        />
        <fieldset disabled={!props.canEdit}>
          <legend>
            {props.canEdit ? 'The article' : 'The article (editors change it; you can read it)'}
          </legend>
          {props.slug.editable ? (
            field(
              'slug',
              articleLabels.slug!,
              'Its web address, /articles/<slug>: lower-case words and hyphens. Fixed once saved. Empty: made from the title when you preview.',
            )
          ) : (
            <p>
              Address: <code>/articles/{props.slug.value}</code> (fixed: it is in every email sent)
            </p>
          )}
          {field('title', articleLabels.title!)}
          {field(
            'summary',
            articleLabels.summary!,
            'One or two sentences: the archive, the feeds and the email show it.',
            3,
          )}
          {field('date', articleLabels.date!, 'The day it is dated, as readers see it.', 'date')}
          <fieldset aria-invalid={problem('topics')}>
            <legend>Topics (at least one)</legend>
            {props.publication.topics.map((t) => (
              <label>
                <input
                  type="checkbox"
                  name={`topic-${t.id}`}
                  value="1"
                  checked={form[`topic-${t.id}`] !== undefined}
                />{' '}
                {t.label}
              </label>
            ))}
          </fieldset>
          {field('author', articleLabels.author!, 'An author or a desk, or both.')}
          {field('desk', articleLabels.desk!)}
          {field('sources', articleLabels.sources!, linesHint, 3)}
          {field(
            'related',
            articleLabels.related!,
            'One per line: Title | https://address, or only a title',
            3,
          )}
          {field(
            'body',
            'Body (markdown)',
            'Headings with ##, lists with -, links as [text](https://address). Raw HTML is dropped. A reader’s merge tag: %%name|there%%.',
            18,
          )}
          <label>
            <input
              type="checkbox"
              name="sendWhenPublished"
              value="1"
              checked={form.sendWhenPublished !== undefined}
            />{' '}
            Send when published: mail it to “every article” readers without waiting for approval
          </label>
        </fieldset>
        {props.canEdit ? (
          <div class="actions">
            <button type="submit" name="action" value="preview" class="secondary">
              Preview
            </button>
            <button type="submit" name="action" value="save">
              {props.saveLabel}
            </button>
          </div>
        ) : null}
      </form>
      {props.children}
    </>
  );
}
