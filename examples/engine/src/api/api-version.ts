import { badRequest } from './api-error.js';

/** The newest Engine API version served (../shared/specs/docker-engine-api/swagger.yaml). */
export const API_VERSION = '1.55';
/**
 * The oldest accepted: Debian's dockerd 20.10's minimum. Clients pinned to old versions still
 * use the endpoints whose shape has not changed: skopeo's docker-daemon transport asks for 1.22.
 * Debian's docker 20.10 CLI speaks 1.41.
 */
export const MIN_API_VERSION = '1.12';

export function compareVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

/** Splits `/v1.41/containers/json` into the version asked for and the route path. */
export function splitVersion(path: string): { version: string; path: string } {
  const m = /^\/v(\d+\.\d+)(\/.*)$/.exec(path);
  if (!m) return { version: API_VERSION, path };
  const version = m[1] as string;
  if (compareVersions(version, API_VERSION) > 0) {
    throw badRequest(`client version ${version} is too new. Maximum supported API version is ${API_VERSION}`);
  }
  if (compareVersions(version, MIN_API_VERSION) < 0) {
    throw badRequest(
      `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
    );
  }
  return { version, path: m[2] as string };
}
