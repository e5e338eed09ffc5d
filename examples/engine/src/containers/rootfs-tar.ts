import { closeSync, fstatSync, read } from 'node:fs';
import { promisify } from 'node:util';
import { encodeHeader, errnoOf, type TarEntry } from '@berth/graph-driver';
import type { SafeRoot, SafeStat } from '@berth/libcontainer';
import { isDir, isRegular, isSymlink, joinRel } from './container-path.js';
import { listDirectoryIn } from './directory-listing.js';
import type { ListedTree, TreeOps } from './tree-ops.js';

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
 * read anything outside its root. In a SafeRoot, directories on another filesystem (mount points)
 * are written but not entered; a ContainerView decides itself (it enters the container's mounts).
 * Files with several links become hardlinks to the first name written.
 */
export async function* tarTree(
  root: SafeRoot | ListedTree,
  rel: string,
  top: string,
): AsyncGenerator<Buffer> {
  const first = root.lstat(rel);
  const list: ListDirectory =
    'listDirectory' in root
      ? (dir, st) => root.listDirectory(dir, st)
      : (dir, st) => (st.dev === first.dev ? listDirectoryIn(root, dir, st) : []);
  const links = new Map<string, string>();
  yield* entry(root, list, rel, top, first, links);
  yield Buffer.alloc(2 * BLOCK);
}

type ListDirectory = (rel: string, st: SafeStat) => string[];

async function* entry(
  root: TreeOps,
  list: ListDirectory,
  rel: string,
  name: string,
  st: SafeStat,
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
    for (const child of list(rel, st)) {
      const childRel = joinRel(rel, child);
      const childSt = lstatIfPresent(root, childRel);
      if (childSt) yield* entry(root, list, childRel, joinRel(name, child), childSt, links);
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
  root: TreeOps,
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

/** Extended attributes (file capabilities, ACLs), without overlayfs's own. */
function xattrsOf(root: TreeOps, rel: string): Map<string, Buffer> | undefined {
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

function lstatIfPresent(root: TreeOps, rel: string): SafeStat | undefined {
  try {
    return root.lstat(rel);
  } catch (err) {
    if (gone(err)) return undefined;
    throw err;
  }
}

/** Removed while the tree was read (a running container): left out, as tar does. */
const gone = (err: unknown) => errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR';
