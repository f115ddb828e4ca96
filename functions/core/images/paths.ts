import type { ImageSize } from './image-type.js';

export type { ImageSize };

/** An uploaded image's name: its bytes' hash, then its size, then its type's extension. */
export const UPLOADED_IMAGE_NAME = /^[0-9a-f]{32}-(\d{1,5})x(\d{1,5})\.(?:png|jpg|gif|webp)$/;

/** A file's name in content/images/: no folder, no dot first, an image's extension. */
export const CONTENT_IMAGE_FILE = /^[a-z0-9][a-z0-9._-]*\.(?:png|jpe?g|gif|webp)$/i;

/** An article's relative image, `images/map.png` or `./images/map.png`: content/images/map.png. */
export const CONTENT_IMAGE_PATH =
  /^(?:\.\/)?images\/([a-z0-9][a-z0-9._-]*\.(?:png|jpe?g|gif|webp))$/i;

/** Where the site serves content/images/<file>. */
export const contentImagePath = (file: string) => `/images/content/${file}`;

/** The size of one of our images from its address (absolute or site path), or undefined. */
export function imageSizeInPath(
  src: string,
  contentSizes: ReadonlyMap<string, ImageSize>,
): ImageSize | undefined {
  const path = src.replace(/^https?:\/\/[^/]+/i, '');
  const content = /^\/images\/content\/([^/?#]+)$/.exec(path)?.[1];
  if (content) return contentSizes.get(content);
  const uploaded = /^\/images\/([^/?#]+)$/.exec(path)?.[1];
  const size = uploaded ? UPLOADED_IMAGE_NAME.exec(uploaded) : null;
  return size ? { width: Number(size[1]), height: Number(size[2]) } : undefined;
}
