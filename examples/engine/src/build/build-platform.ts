import { formatPlatform, hostPlatform, matchesPlatform, parsePlatform } from '@berth/image-spec';
import { badRequest } from '../api/api-error.js';

/**
 * A platform asked of a build (`platform=`, `FROM --platform=`): empty is the host's, and only
 * what the host runs is accepted (the classic builder does not emulate).
 */
export function checkBuildPlatform(value: string, what: string): void {
  if (value.trim() === '') return;
  let wanted: ReturnType<typeof parsePlatform>;
  try {
    wanted = parsePlatform(value);
  } catch (err) {
    throw badRequest(`${what}: invalid platform ${value}: ${(err as Error).message}`);
  }
  const host = hostPlatform();
  if (!matchesPlatform(host, wanted))
    throw badRequest(`${what}: "${value}" is not supported: berthd builds for ${formatPlatform(host)} only`);
}
