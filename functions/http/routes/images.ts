import { type Context, Hono } from 'hono';
import { IMAGE_CONTENT_TYPES, sniffImageType } from '../../core/images/image-type.js';
import { CONTENT_IMAGE_FILE, UPLOADED_IMAGE_NAME } from '../../core/images/paths.js';
import type { BlobReader } from '../../core/ports.js';
import type { AppEnv } from '../app.js';

export const imageRoutes = new Hono<AppEnv>();

/** An upload's name is its bytes' hash: what it names never changes, so it is cached for ever. */
const FOR_EVER = 'public, max-age=31536000, immutable';
/** A content/ file may be replaced by the next deploy under the same name. */
const AN_HOUR = 'public, max-age=3600';

imageRoutes.get('/images/content/:name', (c) =>
  serve(c, c.get('deps').contentImages, c.req.param('name'), CONTENT_IMAGE_FILE, AN_HOUR),
);
imageRoutes.get('/images/:name', (c) =>
  serve(c, c.get('deps').images, `images/${c.req.param('name')}`, UPLOADED_IMAGE_NAME, FOR_EVER),
);

async function serve(
  c: Context<AppEnv>,
  reader: BlobReader | undefined,
  key: string,
  name: RegExp,
  cacheControl: string,
) {
  if (!reader || !name.test(key.replace(/^images\//, ''))) return c.notFound();
  const bytes = await reader.read(key);
  // The type is read from the bytes, as at upload: a file that is not one of the four is not served.
  const type = bytes && sniffImageType(bytes);
  if (!bytes || !type) return c.notFound();
  return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
    'content-type': IMAGE_CONTENT_TYPES[type],
    'cache-control': cacheControl,
    // Mail clients and feed readers show it from their own origin (secureHeaders' default,
    // same-origin, would have browsers refuse it there). nosniff comes from secureHeaders.
    'cross-origin-resource-policy': 'cross-origin',
  });
}
