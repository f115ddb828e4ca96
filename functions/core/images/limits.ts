/**
 * The most IMAGE_MAX_BYTES may be set to, and so what the image routes' body limit lets through
 * (the file and the form around it) before the upload's own check names the field.
 */
export const MAX_IMAGE_BODY_BYTES = 20 * 1024 * 1024;

/** IMAGE_MAX_BYTES's default: on AWS a request reaches a function only under Lambda's 6 MB, base64 and all. */
export const DEFAULT_IMAGE_MAX_BYTES = 4 * 1024 * 1024;
