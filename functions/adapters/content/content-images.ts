import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ImageSize, imageSize } from '../../core/images/image-type.js';
import { CONTENT_IMAGE_FILE } from '../../core/images/paths.js';
import type { BlobReader } from '../../core/ports.js';

/** content/images/, read as a blob store is: the public site serves them at /images/content/<name>. */
export const contentImages = (contentDir: string): BlobReader => ({
  async read(name) {
    if (!CONTENT_IMAGE_FILE.test(name)) return undefined;
    try {
      return new Uint8Array(await readFile(join(contentDir, 'images', name)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  },
});

/**
 * Each content/images/ file's pixel size, by name, from its header: an article's image gets its
 * width and height (the email's column is fitted from them), and an article naming a file that
 * is not there, or is not an image, fails the load. None when the folder is absent.
 */
export async function contentImageSizes(contentDir: string): Promise<Map<string, ImageSize>> {
  let names: string[];
  try {
    names = await readdir(join(contentDir, 'images'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw error;
  }
  const sizes = new Map<string, ImageSize>();
  for (const name of names.filter((n) => CONTENT_IMAGE_FILE.test(n))) {
    // Only the header is needed, but the files are few and small next to a deploy's package.
    const size = imageSize(new Uint8Array(await readFile(join(contentDir, 'images', name))));
    if (size) sizes.set(name, size);
  }
  return sizes;
}
