import { type Context, Hono } from 'hono';
import { DomainError, ErrorCodes } from '../../../core/errors.js';
import { uploadImage } from '../../../core/images/upload.js';
import { imageForm } from '../api/images.js';
import type { AdminDeps } from '../deps.js';
import { imageDeps } from '../image-deps.js';
import type { Refused } from '../pages/form-problems.js';
import { ImageForm, ImageUploaded } from '../pages/images.js';
import { page, type WorkspaceEnv } from './page.js';

/** Refusals that belong on the form: a file that is not an image, too big, or no alt text. */
const onTheForm = (error: unknown): error is DomainError =>
  error instanceof DomainError &&
  (error.code === ErrorCodes.invalidInput || error.code === ErrorCodes.payloadTooLarge);

/** Images in the workspace, under /admin/images: upload one, get the markdown to paste. */
export const imageRoutes = (deps: AdminDeps) => {
  const { maxImageBytes } = imageDeps(deps);
  const form = (c: Context<WorkspaceEnv>, refused?: Refused, status: 200 | 413 | 422 = 200) =>
    page(
      c,
      'Images',
      <ImageForm csrf={c.get('session').csrf} refused={refused} maxBytes={maxImageBytes} />,
      status,
    );
  return new Hono<WorkspaceEnv>()
    .get('/', (c) => form(c))
    .post('/', async (c) => {
      const input = await imageForm(c);
      try {
        const image = await uploadImage(imageDeps(deps), input);
        // The answer of the upload itself (201), as a webhook's registration: nothing to redirect to
        // until images are listed.
        return page(
          c,
          'Image uploaded',
          <ImageUploaded image={image} csrf={c.get('session').csrf} maxBytes={maxImageBytes} />,
          201,
        );
      } catch (error) {
        if (!onTheForm(error)) throw error;
        const refused = {
          input: { alt: input.alt ?? '' },
          problems: error.details.issues ?? [],
          message: error.message,
        };
        return form(c, refused, error.code === ErrorCodes.payloadTooLarge ? 413 : 422);
      }
    });
};
