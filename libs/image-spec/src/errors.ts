/** Stable codes carried by every error this package throws. */
export type ImageSpecErrorCode =
  | 'ERR_MANIFEST_INVALID'
  | 'ERR_INDEX_INVALID'
  | 'ERR_CONFIG_INVALID'
  | 'ERR_DESCRIPTOR_INVALID'
  | 'ERR_SCHEMA1_UNSUPPORTED'
  | 'ERR_MEDIA_TYPE_UNSUPPORTED'
  | 'ERR_DIGEST_INVALID'
  | 'ERR_DIGEST_UNSUPPORTED'
  | 'ERR_DIGEST_MISMATCH'
  | 'ERR_SIZE_MISMATCH'
  | 'ERR_REFERENCE_INVALID'
  | 'ERR_PLATFORM_INVALID'
  | 'ERR_PLATFORM_NOT_FOUND'
  | 'ERR_LAYOUT_INVALID'
  | 'ERR_BLOB_NOT_FOUND'
  | 'ERR_MANIFEST_NOT_FOUND'
  | 'ERR_ARCHIVE_INVALID';

/**
 * The one error class of @berth/image-spec. `code` is stable and meant for programs;
 * `field` is the JSON path of the offending field when the error is about a document.
 */
export class ImageSpecError extends Error {
  override readonly name = 'ImageSpecError';
  readonly code: ImageSpecErrorCode;
  readonly field: string | undefined;

  constructor(code: ImageSpecErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(options?.field ? `${options.field}: ${message}` : message, { cause: options?.cause });
    this.code = code;
    this.field = options?.field;
  }
}

/** True when `err` is an ImageSpecError, optionally with the given code. */
export function isImageSpecError(err: unknown, code?: ImageSpecErrorCode): err is ImageSpecError {
  return err instanceof ImageSpecError && (code === undefined || err.code === code);
}
