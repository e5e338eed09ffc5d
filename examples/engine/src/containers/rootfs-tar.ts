import { closeSync, constants, fstatSync, openSync, read, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encodeHeader, errnoOf, type TarEntry } from '@berth/graph-driver';
import type { SafeRoot, SafeStat } from '@berth/libcontainer';
import { isDir, isRegular, isSymlink, joinRel } from './container-path.js';

const readAt = promisify(read);
const BLOCK = 512;
const CHUNK = 256 * 1024;
const S_IFMT = 0o170000;
// A Map, not an object literal: Biome's useSimpleNumberKeys fix rewrites octal keys to wrong decimals.
const SPECIAL_TYPES = new Map<number, TarEntry['type']>([
  [0o020000, 'char'],
  [0o060000, 'block'],
  [0o010000, 'fifo'],
]);

/**
 * The tar of a tree inside a container's root, as a stream of buffers: `rel` (relative to the root)
 * is written as `top`, its children as `top/child`…; with `top` '' the root entry is left out and
 * children are named from it (`docker export`). Every lookup, read and readlink goes through the
 * SafeRoot, so a running container that swaps a directory for a symlink mid-walk can't make this
 * read anything outside its root. Directories on another filesystem (mount points) are written but
 * not entered. Files with several links become hardlinks to the first name written.
 */
export async function* tarTree(root: SafeRoot, rel: string, top: string): AsyncGenerator<Buffer> {
  const first = root.lstat(rel);
  const links = new Map<string, string>();
  yield* entry(root, rel, top, first, first.dev, links);
  yield Buffer.alloc(2 * BLOCK);
}

async function* entry(
  root: SafeRoot,
  rel: string,
  name: string,
  st: SafeStat,
  treeDev: number,
  links: Map<string, string>,
): AsyncGenerator<Buffer> {
  const base = {
    name,
    mode: st.mode & 0o7777,
    uid: st.uid,
    gid: st.gid,
    size: 0,
    mtimeNs: st.mtimeNs,
    xattrs: isSymlink(st) ? undefined : xattrsOf(root, rel),
  };
  if (isDir(st)) {
    if (name !== '') yield encodeHeader({ ...base, type: 'directory' });
    if (st.dev !== treeDev) return;
    for (const child of listDirectory(root, rel, st)) {
      const childRel = joinRel(rel, child);
      const childSt = lstatIfPresent(root, childRel);
      if (childSt) yield* entry(root, childRel, joinRel(name, child), childSt, treeDev, links);
    }
    return;
  }
  if (st.nlink > 1) {
    const key = `${st.dev}:${st.ino}`;
    const firstName = links.get(key);
    if (firstName !== undefined) {
      yield encodeHeader({ ...base, type: 'link', linkname: firstName });
      return;
    }
    links.set(key, name);
  }
  if (isSymlink(st)) {
    yield encodeHeader({ ...base, type: 'symlink', linkname: root.readlink(rel) });
  } else if (isRegular(st)) {
    yield* regularFile(root, rel, base);
  } else {
    const type = SPECIAL_TYPES.get(st.mode & S_IFMT);
    // Sockets have no tar form (GNU tar skips them too).
    if (type) yield encodeHeader({ ...base, type, devmajor: st.rdevMajor, devminor: st.rdevMinor });
  }
}

/**
 * A regular file's header and content. The size is the open file's: a file a running container
 * writes to meanwhile is cut or zero-padded to it, so the tar stays well formed.
 */
async function* regularFile(
  root: SafeRoot,
  rel: string,
  base: Omit<TarEntry, 'type'>,
): AsyncGenerator<Buffer> {
  let fd: number;
  try {
    fd = root.openFile(rel, 'r');
  } catch (err) {
    if (gone(err)) return;
    throw err;
  }
  try {
    const size = Number(fstatSync(fd).size);
    yield encodeHeader({ ...base, type: 'file', size });
    let done = 0;
    while (done < size) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, size - done));
      const { bytesRead } = await readAt(fd, buf, 0, buf.length, done);
      if (bytesRead === 0) break;
      done += bytesRead;
      yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    }
    if (done < size) yield Buffer.alloc(size - done);
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad) yield Buffer.alloc(pad);
  } finally {
    closeSync(fd);
  }
}

/**
 * The names in a directory of the root, sorted. Node can't list a directory through an fd of
 * SafeRoot's, so the directory is opened by its host path without following a last symlink, checked
 * to be the very inode SafeRoot found (a parent swapped for a symlink would give another), and read
 * through that fd (/proc/self/fd): what is listed is the directory inside the root, or nothing.
 */
function listDirectory(root: SafeRoot, rel: string, expected: SafeStat): string[] {
  let fd: number;
  try {
    fd = openSync(join(root.path, rel), constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (err) {
    if (gone(err) || errnoOf(err) === 'ELOOP') return [];
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (st.dev !== expected.dev || st.ino !== expected.ino) return [];
    return readdirSync(`/proc/self/fd/${fd}`).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  } finally {
    closeSync(fd);
  }
}

/** Extended attributes (file capabilities, ACLs), without overlayfs's own. */
function xattrsOf(root: SafeRoot, rel: string): Map<string, Buffer> | undefined {
  let out: Map<string, Buffer> | undefined;
  try {
    for (const key of root.llistxattr(rel).sort()) {
      if (key.startsWith('trusted.overlay.')) continue;
      const value = root.lgetxattr(rel, key);
      if (value === null) continue;
      out ??= new Map();
      out.set(key, value);
    }
  } catch {
    // Not supported here, or gone: the entry goes without them.
  }
  return out;
}

function lstatIfPresent(root: SafeRoot, rel: string): SafeStat | undefined {
  try {
    return root.lstat(rel);
  } catch (err) {
    if (gone(err)) return undefined;
    throw err;
  }
}

/** Removed while the tree was read (a running container): left out, as tar does. */
const gone = (err: unknown) => errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR';
