export type Preview = { subject: string; html: string; text: string };

/** The email as readers get it: desktop and mobile widths side by side, the text part, the subject. */
export function EmailPreview(props: { preview: Preview }) {
  return (
    <section aria-label="Email preview">
      <h2>
        Subject: <span data-testid="preview-subject">{props.preview.subject}</span>
      </h2>
      <div class="previews">
        <figure>
          <figcaption>Desktop (640 px)</figcaption>
          <iframe
            title="Email at desktop width"
            width="640"
            height="900"
            sandbox=""
            srcdoc={props.preview.html}
          />
        </figure>
        <figure>
          <figcaption>Mobile (375 px)</figcaption>
          <iframe
            title="Email at mobile width"
            width="375"
            height="900"
            sandbox=""
            srcdoc={props.preview.html}
          />
        </figure>
      </div>
      <h2>Plain-text part</h2>
      {/* Scrollable, so reachable by keyboard too: a labelled region, named when it takes focus
          (a <pre> may not carry a label itself). */}
      <section class="scroll" tabindex={0} aria-label="Plain-text part">
        <pre data-testid="preview-text">{props.preview.text}</pre>
      </section>
    </section>
  );
}
