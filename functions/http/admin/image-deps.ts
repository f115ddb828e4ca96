import { DEFAULT_IMAGE_MAX_BYTES } from '../../core/images/limits.js';
import type { ImageDeps } from '../../core/images/upload.js';
import type { AdminDeps } from './deps.js';

/** What an upload needs of the workspace's dependencies, the API's and the page's alike. */
export const imageDeps = (deps: AdminDeps): ImageDeps => ({
  blobs: deps.blobs,
  publication: deps.publication,
  maxImageBytes: deps.maxImageBytes ?? DEFAULT_IMAGE_MAX_BYTES,
});
