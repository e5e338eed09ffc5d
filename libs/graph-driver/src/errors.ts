/**
 * Stable codes carried by every error this package throws. `ERR_DIGEST_MISMATCH` and
 * `ERR_SIZE_MISMATCH` mean the same as in @berth/image-spec.
 */
export type GraphDriverErrorCode =
  | 'ERR_LAYER_PATH_ESCAPE'
  | 'ERR_LAYER_INVALID'
  | 'ERR_LAYER_NOT_FOUND'
  | 'ERR_LAYER_EXISTS'
  | 'ERR_LAYER_IN_USE'
  | 'ERR_DIGEST_MISMATCH'
  | 'ERR_SIZE_MISMATCH'
  | 'ERR_COMPRESSION_UNSUPPORTED'
  | 'ERR_DRIVER_UNSUPPORTED'
  | 'ERR_ABORTED';

/** The one error class of @berth/graph-driver. `path` is the tar entry or layer path involved. */
export class GraphDriverError extends Error {
  override readonly name = 'GraphDriverError';
  readonly code: GraphDriverErrorCode;
  readonly path: string | undefined;

  constructor(code: GraphDriverErrorCode, message: string, options?: { path?: string; cause?: unknown }) {
    super(message, { cause: options?.cause });
    this.code = code;
    this.path = options?.path;
  }
}

/** True when `err` is a GraphDriverError, optionally with the given code. */
export function isGraphDriverError(err: unknown, code?: GraphDriverErrorCode): err is GraphDriverError {
  return err instanceof GraphDriverError && (code === undefined || err.code === code);
}

/** errno name of a Node or @berth/libcontainer error (`ENOENT`, …), if any. */
export function errnoOf(err: unknown): string | undefined {
  const e = err as { errnoCode?: string; code?: string } | null;
  if (e && typeof e.errnoCode === 'string') return e.errnoCode;
  if (e && typeof e.code === 'string' && /^E[A-Z0-9]+$/.test(e.code)) return e.code;
  return undefined;
}
