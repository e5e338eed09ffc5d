import { isExecDriverError } from '@berth/exec-driver';
import { isGraphDriverError } from '@berth/graph-driver';
import { isImageSpecError } from '@berth/image-spec';
import { isNetworkDriverError } from '@berth/network-driver';

/** An error the API answers with its own status code, as Docker does: `{"message": …}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string) => new ApiError(400, message);
export const notFound = (message: string) => new ApiError(404, message);
export const conflict = (message: string) => new ApiError(409, message);
export const notModified = () => new ApiError(304, '');

/** Library error codes that mean the caller asked for something wrong, not that the engine failed. */
const CLIENT_ERROR_CODES: Record<string, number> = {
  ERR_REFERENCE_INVALID: 400,
  ERR_NAME_INVALID: 400,
  ERR_PLATFORM_INVALID: 400,
  ERR_INVALID_ARGUMENT: 400,
  ERR_SPEC_INVALID: 400,
  ERR_ARCHIVE_INVALID: 400,
  ERR_LAYER_INVALID: 400,
  ERR_LAYER_PATH_ESCAPE: 400,
  ERR_MANIFEST_INVALID: 400,
  ERR_DIGEST_MISMATCH: 400,
  ERR_SIZE_MISMATCH: 400,
  ERR_SCHEMA1_UNSUPPORTED: 400,
  ERR_SUBNET_OVERLAP: 400,
  ERR_POOL_EXHAUSTED: 400,
  ERR_ADDRESS_OUT_OF_RANGE: 400,
  ERR_USER_NOT_FOUND: 400,
  ERR_REGISTRY_UNAUTHORIZED: 401,
  ERR_REGISTRY_DENIED: 403,
  ERR_MANIFEST_UNKNOWN: 404,
  ERR_MANIFEST_NOT_FOUND: 404,
  ERR_NAME_UNKNOWN: 404,
  ERR_PLATFORM_NOT_FOUND: 404,
  ERR_NETWORK_NOT_FOUND: 404,
  ERR_CONTAINER_NOT_FOUND: 404,
  ERR_NETWORK_EXISTS: 409,
  ERR_NETWORK_IN_USE: 409,
  ERR_ADDRESS_IN_USE: 409,
  ERR_ENDPOINT_EXISTS: 409,
  ERR_CONTAINER_RUNNING: 409,
  ERR_CONTAINER_NOT_RUNNING: 409,
  ERR_CONTAINER_PAUSED: 409,
  ERR_LAYER_IN_USE: 409,
};

/** Turns anything thrown by a handler into the status and message the client sees. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const code = (err as { code?: unknown })?.code;
  const message = err instanceof Error ? err.message : String(err);
  const fromLibrary =
    isImageSpecError(err) ||
    (err as Error)?.name === 'RegistryError' ||
    isGraphDriverError(err) ||
    isExecDriverError(err) ||
    isNetworkDriverError(err);
  if (fromLibrary && typeof code === 'string' && code in CLIENT_ERROR_CODES) {
    return new ApiError(CLIENT_ERROR_CODES[code] as number, message);
  }
  return new ApiError(500, message);
}
