import { isImageSpecError } from '@berth/image-spec';
import { isLibcontainerError } from '@berth/libcontainer';
import { GraphDriverError, isGraphDriverError } from '../errors.js';

/** Any failure of an apply as a GraphDriverError with the code that says what went wrong. */
export function toApplyError(err: unknown): GraphDriverError {
  if (isGraphDriverError(err)) return err;
  if (isImageSpecError(err)) {
    const code = err.code === 'ERR_SIZE_MISMATCH' ? 'ERR_SIZE_MISMATCH' : 'ERR_DIGEST_MISMATCH';
    return new GraphDriverError(code, `layer ${err.message}`, { cause: err });
  }
  if ((err as Error)?.name === 'AbortError') {
    return new GraphDriverError('ERR_ABORTED', 'layer apply aborted', { cause: err });
  }
  if (isLibcontainerError(err, 'ERR_PATH_ESCAPE')) {
    return new GraphDriverError('ERR_LAYER_PATH_ESCAPE', err.message, { path: err.path, cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new GraphDriverError('ERR_LAYER_INVALID', `layer does not apply: ${message}`, { cause: err });
}
