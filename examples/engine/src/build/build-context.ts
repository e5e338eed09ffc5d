import { closeSync, createWriteStream, readFileSync, statSync } from 'node:fs';
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
import { firstBlock, isTarHeader } from './tar-head.js';

/** The build context, extracted into the build's own directory. */
export interface BuildContext {
  /** Host path of the extracted context (the daemon's temp directory, nobody else writes there). */
  dir: string;
  /** The Dockerfile's text. */
  dockerfile: string;
}

/** A Dockerfile sent as the whole body (`docker build - < Dockerfile`) is read into memory: cap it. */
const MAX_BODY_DOCKERFILE = 4 * 1024 * 1024;

/** What the request body is: a tar (plain or gzip) or, as `docker build - < Dockerfile` sends it, a Dockerfile. */
async function bodyKind(file: string): Promise<'tar' | 'text'> {
  const { block } = await firstBlock(file);
  if (block === undefined) return 'text'; // not a gzip after all: refused as a Dockerfile below
  // Empty, a tar header, or an all-zero first block (an empty archive): a tar.
  if (block.length === 0 || isTarHeader(block) || (block.length === 512 && block.every((b) => b === 0)))
    return 'tar';
  return 'text';
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
  if ((await bodyKind(spool)) === 'text') {
    // `docker build - < Dockerfile`: the body is the Dockerfile (maybe gzipped), the context empty.
    try {
      if (statSync(spool).size > MAX_BODY_DOCKERFILE) throw new Error('too large');
      const body = readFileSync(spool);
      const text = body[0] === 0x1f && body[1] === 0x8b ? gunzipSync(body, { maxOutputLength: MAX_BODY_DOCKERFILE }) : body;
      if (text.length > MAX_BODY_DOCKERFILE) throw new Error('too large');
      return { dir, dockerfile: text.toString('utf8') };
    } catch (err) {
      throw badRequest(`the body is neither a tar context nor a Dockerfile: ${(err as Error).message}`);
    } finally {
      await rm(spool, { force: true });
    }
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
