import { isImageSpecError, parseReference, type Reference } from '@berth/image-spec';
import type { RegistryError } from '@berth/registry-client';
import { ApiError, badRequest } from '../api/api-error.js';

/**
 * By name, not instanceof: the registry client (and its HTTP stack) is loaded only when a pull or
 * push needs it, which keeps an idle daemon small.
 */
const isRegistryError = (err: unknown): err is RegistryError => (err as Error)?.name === 'RegistryError';

/** Parses a user's image reference, refusing it with Docker's 400 `invalid reference format`. */
export function parseImageReference(input: string): Reference {
  try {
    return parseReference(input);
  } catch (err) {
    if (isImageSpecError(err, 'ERR_REFERENCE_INVALID')) {
      const lower = /must be lowercase/.test((err as Error).message);
      throw badRequest(`invalid reference format${lower ? ': repository name must be lowercase' : ''}`);
    }
    throw err;
  }
}

/** What dockerd says when a pull fails, with its status code. */
export function pullError(err: unknown, ref: Reference): unknown {
  if (!isRegistryError(err) && !isImageSpecError(err)) return err;
  const code = (err as { code: string }).code;
  const message = (err as Error).message;
  switch (code) {
    case 'ERR_MANIFEST_UNKNOWN':
      return new ApiError(
        404,
        `manifest for ${ref.familiarString()} not found: manifest unknown: manifest unknown`,
      );
    case 'ERR_NAME_UNKNOWN':
    case 'ERR_REGISTRY_DENIED':
    case 'ERR_REGISTRY_UNAUTHORIZED':
      return new ApiError(
        404,
        `pull access denied for ${ref.familiarName}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`,
      );
    case 'ERR_PLATFORM_NOT_FOUND':
      return new ApiError(404, message.replace(/^.*?no manifest/, 'no matching manifest'));
    default:
      return err;
  }
}

/** What dockerd says when a push fails. */
export function pushError(err: unknown): unknown {
  if (!isRegistryError(err)) return err;
  switch (err.code) {
    case 'ERR_REGISTRY_UNAUTHORIZED':
      return new ApiError(401, 'unauthorized: authentication required');
    case 'ERR_REGISTRY_DENIED':
      return new ApiError(403, 'denied: requested access to the resource is denied');
    default:
      return err;
  }
}
