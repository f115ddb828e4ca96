import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { requireRole } from '../../../core/access/api-keys.js';
import { DomainError, ErrorCodes } from '../../../core/errors.js';
import { type ImageUpload, uploadImage } from '../../../core/images/upload.js';
import type { AdminDeps } from '../deps.js';
import { imageDeps } from '../image-deps.js';
import { apiApp } from './context.js';
import { errors, json } from './schemas.js';

const ImageForm = z
  .object({
    file: z.any().openapi({
      type: 'string',
      format: 'binary',
      description: 'A PNG, JPEG, GIF or WebP (by its bytes, whatever its name); SVG is refused',
    }),
    alt: z
      .string()
      .optional()
      .openapi({ description: 'What the image shows, for readers who cannot see it (required)' }),
  })
  .openapi('ImageUpload');

const ImageSchema = z
  .object({
    url: z.string().describe('Absolute, stable: cached for a year, immutable'),
    path: z.string().describe('The same on every stage: what the markdown names'),
    width: z.number().int().describe('At most 1200 px, never enlarged'),
    height: z.number().int(),
    type: z.enum(['png', 'jpeg', 'gif', 'webp']),
    bytes: z.number().int(),
    alt: z.string(),
    markdown: z.string().describe('`![alt](path)`, to paste into an article'),
  })
  .openapi('Image');

/** Image uploads: checked, resized for the email's column, stored, and served at a stable URL. */
export function imagesApi(deps: AdminDeps) {
  const api = apiApp();
  api.openapi(
    createRoute({
      method: 'post',
      path: '/images',
      summary: 'Upload an image (multipart/form-data: file, alt); answers its URL and markdown',
      security: [{ bearer: [] }],
      request: {
        body: { required: true, content: { 'multipart/form-data': { schema: ImageForm } } },
      },
      responses: {
        201: { description: 'Stored', content: json(z.object({ image: ImageSchema })) },
        401: errors[401],
        403: errors[403],
        413: { description: 'The file is over IMAGE_MAX_BYTES', content: errors[422].content },
        415: { description: 'Not multipart/form-data', content: errors[422].content },
        422: {
          description: 'Not an image of the four types, or no alt text',
          content: errors[422].content,
        },
      },
    }),
    async (c) => {
      requireRole(c.get('apiKey'), 'editor');
      const image = await uploadImage(imageDeps(deps), await imageForm(c));
      c.header('location', image.url);
      return c.json({ image: { ...image, key: undefined } }, 201);
    },
  );
  return api;
}

/** The form's file and alt text, as the workspace's form posts them too. */
export async function imageForm(c: Context): Promise<ImageUpload> {
  if (!c.req.header('content-type')?.startsWith('multipart/form-data'))
    throw new DomainError(
      ErrorCodes.unsupportedMediaType,
      'Send the image as multipart/form-data.',
      {
        issues: [{ field: '(content-type)', message: 'must be multipart/form-data' }],
      },
    );
  const form = await c.req.parseBody();
  const file = form.file;
  return {
    file: file instanceof File ? new Uint8Array(await file.arrayBuffer()) : undefined,
    alt: typeof form.alt === 'string' ? form.alt : undefined,
  };
}
