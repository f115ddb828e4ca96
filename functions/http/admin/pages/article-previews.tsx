import { EmailPreview, type Preview } from './email-preview.js';

/** What an article being written looks like: its web page, and its email at both widths. */
export type ArticlePreviews = { web: string; email: Preview };

/**
 * The article as readers would get it, from the form as typed: nothing is saved. The frames are
 * srcdoc documents, sandboxed with no permission at all (no script, no form, no navigation of
 * this page), so what the body renders to can do nothing here.
 */
export function ArticlePreviewPanel(props: { previews: ArticlePreviews; saveLabel?: string }) {
  return (
    <section aria-labelledby="preview-heading" id="preview">
      <h2 id="preview-heading">Preview</h2>
      <p class="notice" role="status">
        The form as typed, nothing saved: the web page at its address, then the email a reader on
        "every article" would get. <a href="#article-form">Back to the form</a>
      </p>
      {/* The form's own save (the `form` attribute), where the editor is after a preview, so
          saving what was previewed needs no scroll past three 900 px frames. Also why the
          browser test's save cannot be lost: Chromium may route a click made just after a
          script's scroll past those cross-origin (sandboxed) frames by where they were before
          it, into a frame (tests/e2e/articles-workspace.test.ts). */}
      {props.saveLabel ? (
        <div class="actions">
          <button type="submit" form="article-form" name="action" value="save">
            {props.saveLabel}
          </button>
        </div>
      ) : null}
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
