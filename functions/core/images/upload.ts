import { createHash } from 'node:crypto';
import { DomainError, ErrorCodes, invalidInput } from '../errors.js';
import type { BlobStore } from '../ports.js';
import {
  IMAGE_CONTENT_TYPES,
  IMAGE_EXTENSIONS,
  type ImageType,
  sniffImageType,
} from './image-type.js';

/** Twice the email's 600 px column: sharp on a phone's or a retina screen, never wider. */
export const MAX_IMAGE_WIDTH = 1200;
export const MAX_ALT_LENGTH = 300;

export type UploadedImage = {
  /** The blob's key, `images/<name>`. */
  key: string;
  /** Where readers fetch it, absolute. */
  url: string;
  /** The site path an article's markdown names: the same on every stage and every port. */
  path: string;
  width: number;
  height: number;
  type: ImageType;
  bytes: number;
  alt: string;
  markdown: string;
};

export type ImageUpload = { file: Uint8Array | undefined; alt: string | undefined };
export type ImageDeps = {
  blobs?: BlobStore;
  publication: { baseUrl: string };
  /** The largest file accepted (IMAGE_MAX_BYTES). */
  maxImageBytes: number;
};

const NOT_AN_IMAGE = 'must be a PNG, JPEG, GIF or WebP image';
const megabytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

/**
 * Checks an editor's upload (its type by its bytes, its size, its alt text), makes it fit the
 * email (at most 1200 px wide, never enlarged), drops its metadata (a phone's photo carries
 * where it was taken) and stores it under a name made of its bytes' hash and its size: the same
 * image uploaded twice is one object, and a name never changes content, so it is cached for ever.
 */
export async function uploadImage(deps: ImageDeps, input: ImageUpload): Promise<UploadedImage> {
  const alt = (input.alt ?? '').replace(/\s+/g, ' ').trim();
  const issues = [];
  if (!input.file || input.file.length === 0)
    issues.push({ field: 'file', message: 'is required: choose an image' });
  else if (input.file.length > deps.maxImageBytes)
    throw new DomainError(
      ErrorCodes.payloadTooLarge,
      `file: is ${megabytes(input.file.length)}, larger than ${megabytes(deps.maxImageBytes)}`,
      {
        issues: [{ field: 'file', message: `is larger than ${megabytes(deps.maxImageBytes)}` }],
      },
    );
  else if (!sniffImageType(input.file)) issues.push({ field: 'file', message: NOT_AN_IMAGE });
  if (!alt)
    issues.push({
      field: 'alt',
      message: 'is required: describe the image for readers who cannot see it',
    });
  else if (alt.length > MAX_ALT_LENGTH)
    issues.push({ field: 'alt', message: `must be at most ${MAX_ALT_LENGTH} characters` });
  if (issues.length > 0) throw invalidInput(issues);
  if (!deps.blobs)
    throw new DomainError(ErrorCodes.unavailable, 'Images need a blob store: set BLOB_BUCKET.');
  const image = await fitForEmail(input.file!, sniffImageType(input.file!)!);
  const hash = createHash('sha256').update(image.data).digest('hex').slice(0, 32);
  const name = `${hash}-${image.width}x${image.height}.${IMAGE_EXTENSIONS[image.type]}`;
  const key = `images/${name}`;
  await deps.blobs.put(key, image.data, IMAGE_CONTENT_TYPES[image.type]);
  const path = `/${key}`;
  return {
    key,
    path,
    url: `${deps.publication.baseUrl}${path}`,
    width: image.width,
    height: image.height,
    type: image.type,
    bytes: image.data.length,
    alt,
    markdown: `![${alt.replace(/([\\[\]])/g, '\\$1')}](${path})`,
  };
}

/**
 * Resized and re-encoded in its own format. sharp writes no metadata unless asked (no EXIF, so
 * no GPS, no camera serial, no XMP); `rotate()` first turns a photo the way its EXIF orientation
 * said, which would otherwise be lost with it. A GIF keeps its animation (every frame is
 * resized): turned into a still it would lose what the editor chose it for, and mail clients
 * that cannot animate (Outlook on Windows) show its first frame anyway.
 */
async function fitForEmail(file: Uint8Array, type: ImageType) {
  // Loaded here: sharp's native binary is in the admin function's package only.
  const { default: sharp } = await import('sharp');
  try {
    const resized = sharp(file, { animated: type === 'gif' || type === 'webp', failOn: 'error' })
      .rotate()
      .resize({ width: MAX_IMAGE_WIDTH, withoutEnlargement: true });
    const pipeline = {
      png: () => resized.png(),
      jpeg: () => resized.jpeg({ quality: 85, mozjpeg: true }),
      gif: () => resized.gif(),
      webp: () => resized.webp({ quality: 85 }),
    }[type]();
    const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
    // An animation's height is every frame's together; a frame's is the page height.
    const height = info.pageHeight ?? info.height;
    return { data: new Uint8Array(data), width: info.width, height, type };
  } catch (cause) {
    // The magic number was right and the rest was not (a truncated or corrupt file).
    throw new DomainError(
      ErrorCodes.invalidInput,
      `file: ${NOT_AN_IMAGE}`,
      { issues: [{ field: 'file', message: `${NOT_AN_IMAGE} (this one could not be read)` }] },
      { cause },
    );
  }
}
