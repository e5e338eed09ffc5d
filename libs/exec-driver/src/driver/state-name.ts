import { createRequire } from 'node:module';
import { resolve } from 'node:path';

// node:crypto is required only for a long ID: loading it costs ~3 ms of every CLI start-up,
// and short IDs (runc's users, the benchmark) never hash.
const sha256Hex = (text: string): string =>
  (createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto'))
    .createHash('sha256')
    .update(text)
    .digest('hex');

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
  const hash = sha256Hex(id);
  const keep = limit - HASH_CHARS - 1;
  return keep > 0 ? `${id.slice(0, keep)}-${hash.slice(0, HASH_CHARS)}` : hash.slice(0, limit);
}
