import { closeSync, createWriteStream, readFileSync } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join, posix } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { SafeRoot } from '@berth/libcontainer';
import { badRequest } from '../api/api-error.js';
import { extractArchive } from '../containers/archive-extract.js';
import { followInRoot, isRegular, lstatOrUndefined } from '../containers/container-path.js';
import { applyDockerignore, ignoreMatcher, parseDockerignore } from './docker-ignore.js';

/** The build context, extracted into the build's own directory. */
export interface BuildContext {
  /** Host path of the extracted context (the daemon's temp directory, nobody else writes there). */
  dir: string;
  /** The Dockerfile's text. */
  dockerfile: string;
}

const TAR_MAGIC = 'ustar';

/** What the request body is: a tar (plain or gzip) or, as `docker build - < Dockerfile` sends it, a Dockerfile. */
async function bodyKind(file: string): Promise<'tar' | 'gzip' | 'text'> {
  const handle = await open(file, 'r');
  const head = Buffer.alloc(512);
  let n: number;
  try {
    n = (await handle.read(head, 0, 512, 0)).bytesRead;
  } finally {
    await handle.close();
  }
  if (n === 0) return 'tar'; // empty: an empty context
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (n >= 262 && head.subarray(257, 262).toString('latin1') === TAR_MAGIC) return 'tar';
  // A tar whose first block is all zeros is an empty archive.
  if (n === 512 && head.every((b) => b === 0)) return 'tar';
  return 'text';
}

/** Whether a gzip file holds a tar (its first decompressed block has the ustar magic). */
function gzipHoldsTar(file: string): boolean {
  try {
    const head = gunzipSync(readFileSync(file), { finishFlush: 2 }).subarray(0, 512);
    return head.length === 0 || head.subarray(257, 262).toString('latin1') === TAR_MAGIC;
  } catch {
    return false;
  }
}

/** Reads a file of the context through its root (symlinks resolved inside it), or undefined. */
export function readContextFile(root: SafeRoot, path: string): string | undefined {
  const rel = followInRoot(root, `/${path}`);
  const st = lstatOrUndefined(root, rel);
  if (!st || !isRegular(st)) return undefined;
  const fd = root.openFile(rel, 'r');
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * Spools the request body into `workDir`, extracts it into `workDir/context` with the checks of
 * `docker cp` (names climbing out, links escaping, devices: refused before anything is written),
 * reads the Dockerfile, then removes what `.dockerignore` excludes.
 */
export async function receiveContext(
  req: IncomingMessage,
  workDir: string,
  dockerfilePath: string,
  signal: AbortSignal,
): Promise<BuildContext> {
  const dir = join(workDir, 'context');
  const spool = join(workDir, 'context.tar');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await pipeline(req, createWriteStream(spool, { mode: 0o600 }), { signal });
  const kind = await bodyKind(spool);
  if (kind === 'text' || (kind === 'gzip' && !gzipHoldsTar(spool))) {
    // `docker build - < Dockerfile`: the body is the Dockerfile and the context is empty.
    const text = readFileSync(spool, kind === 'gzip' ? undefined : 'utf8');
    await rm(spool, { force: true });
    return { dir, dockerfile: typeof text === 'string' ? text : gunzipSync(text).toString('utf8') };
  }
  const root = SafeRoot.open(dir, { resolve: 'in-root' });
  let dockerfile: string | undefined;
  let ignore: string | undefined;
  try {
    await extractArchive(spool, root, {
      directory: '',
      shownDirectory: 'the build context',
      noOverwriteDirNonDir: false,
    });
    const name = posix.normalize(dockerfilePath || 'Dockerfile').replace(/^(\.\.\/)+|^\//, '');
    dockerfile = readContextFile(root, name);
    // Docker also takes the lower-case name when the default one is missing.
    if (dockerfile === undefined && !dockerfilePath) dockerfile = readContextFile(root, 'dockerfile');
    if (dockerfile === undefined)
      throw badRequest(`Cannot locate specified Dockerfile: ${dockerfilePath || 'Dockerfile'}`);
    ignore = readContextFile(root, '.dockerignore');
  } finally {
    root.close();
    await rm(spool, { force: true });
  }
  if (ignore !== undefined) {
    const patterns = parseDockerignore(ignore);
    if (patterns.length > 0) applyDockerignore(dir, ignoreMatcher(patterns));
  }
  return { dir, dockerfile };
}

/** The build's own directory under the daemon's data root (`builder/<id>`), removed when it ends. */
export async function makeWorkDir(dataRoot: string, id: string): Promise<string> {
  const dir = join(dataRoot, 'builder', id);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}
