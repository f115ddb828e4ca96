import { EmailPreview, type Preview } from './email-preview.js';

/** What an article being written looks like: its web page, and its email at both widths. */
export type ArticlePreviews = { web: string; email: Preview };

/**
 * The article as readers would get it, from the form as typed: nothing is saved. The frames are
 * srcdoc documents, sandboxed with no permission at all (no script, no form, no navigation of
 * this page), so what the body renders to can do nothing here.
 */
export function ArticlePreviewPanel(props: { previews: ArticlePreviews }) {
  return (
    <section aria-labelledby="preview-heading" id="preview">
      <h2 id="preview-heading">Preview</h2>
      <p class="notice" role="status">
        The form as typed, nothing saved: the web page at its address, then the email a reader on
        "every article" would get. <a href="#article-form">Back to the form</a>
      </p>
      <figure>
        <figcaption>Web page</figcaption>
        <iframe
          title="Web page preview"
          width="960"
          height="900"
          sandbox=""
          srcdoc={props.previews.web}
        />
      </figure>
      <EmailPreview preview={props.previews.email} />
    </section>
  );
}
