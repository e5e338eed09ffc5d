import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

/** sun_path holds 108 bytes with the terminating NUL. */
const SOCKET_PATH_MAX = 107;
/** What follows the name in an exec's attach socket: `/exec/<base-36 ms>-<n>/attach.sock`. */
const EXEC_SOCKET_SUFFIX = '/exec/xxxxxxxx-nn/attach.sock'.length;
const HASH_CHARS = 11;

/**
 * The name of a container's libcontainer state dir. Unix socket paths are limited to 107
 * bytes and an exec's attach socket sits at `<root>/<name>/exec/<n>/attach.sock`, so long IDs
 * (engines use 64 hex digits) get a shorter, still unique, name: at most 32 characters, and
 * with `root` given, short enough for that socket to fit under it (engines pass long roots:
 * dockerd's is `<exec-root>/runtime-<name>/<namespace>`). Deterministic for (id, root).
 */
export function stateName(id: string, root?: string): string {
  const fits = root === undefined ? 32 : SOCKET_PATH_MAX - resolve(root).length - 1 - EXEC_SOCKET_SUFFIX;
  const limit = Math.max(HASH_CHARS + 1, Math.min(32, fits));
  if (id.length <= limit) return id;
  const hash = createHash('sha256').update(id).digest('hex');
  const keep = limit - HASH_CHARS - 1;
  return keep > 0 ? `${id.slice(0, keep)}-${hash.slice(0, HASH_CHARS)}` : hash.slice(0, limit);
}
