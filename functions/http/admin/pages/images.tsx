import type { UploadedImage } from '../../../core/images/upload.js';
import { Csrf } from '../layout.js';
import { FormProblems, invalid, type Refused } from './form-problems.js';

const labels = { file: 'Image', alt: 'Alt text' };

/** The upload form: the file, and what it shows for readers who cannot see it. */
export function ImageForm(props: {
  csrf: string;
  refused?: Refused | undefined;
  maxBytes: number;
}) {
  const { refused } = props;
  const described = refused ? 'image-problems' : undefined;
  return (
    <>
      <p>
        A PNG, JPEG, GIF or WebP up to {Math.round(props.maxBytes / 1024 / 1024)} MB. It is made at
        most 1200 px wide (twice the email's column; never enlarged), its metadata (camera, place
        taken) removed, and served at an address that never changes. Paste the markdown it answers
        into any article.
      </p>
      <form method="post" action="/admin/images" enctype="multipart/form-data">
        <Csrf token={props.csrf} />
        <FormProblems refused={refused} what="Not uploaded" labels={labels} id="image-problems" />
        <label for="image-file">Image</label>
        <input
          id="image-file"
          name="file"
          type="file"
          required
          accept="image/png,image/jpeg,image/gif,image/webp"
          aria-invalid={invalid(refused, 'file')}
          aria-describedby={described}
        />
        <label for="image-alt">Alt text</label>
        <input
          id="image-alt"
          name="alt"
          required
          maxlength={300}
          value={refused?.input.alt ?? ''}
          aria-invalid={invalid(refused, 'alt')}
          aria-describedby={described ?? 'image-alt-hint'}
        />
        <p class="hint" id="image-alt-hint">
          What the image shows, as a reader who cannot see it should hear it.
        </p>
        <button type="submit">Upload</button>
      </form>
    </>
  );
}

/** The image as stored, and the snippet to paste. */
export function ImageUploaded(props: { image: UploadedImage; csrf: string; maxBytes: number }) {
  const { image } = props;
  return (
    <>
      <p class="notice" role="status">
        Uploaded: {image.width} × {image.height} px, {Math.ceil(image.bytes / 1024)} KB.
      </p>
      <p>
        <img src={image.path} alt={image.alt} width={image.width} height={image.height} />
      </p>
      <label for="image-markdown">Markdown to paste into an article</label>
      <input id="image-markdown" readonly value={image.markdown} />
      <p class="hint">
        Its address: <code>{image.url}</code>
      </p>
      <h2>Upload another</h2>
      <ImageForm csrf={props.csrf} maxBytes={props.maxBytes} />
    </>
  );
}
