import { posix } from 'node:path';
import { errnoOf } from '@berth/graph-driver';
import type { SafeStat } from '@berth/libcontainer';
import { badRequest } from '../api/api-error.js';
import type { TreeOps } from './tree-ops.js';

const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const isDir = (st: SafeStat) => (st.mode & S_IFMT) === S_IFDIR;
export const isSymlink = (st: SafeStat) => (st.mode & S_IFMT) === S_IFLNK;
export const isRegular = (st: SafeStat) => (st.mode & S_IFMT) === S_IFREG;

/** The kernel's limit on symlinks followed in one lookup (ELOOP after that). */
const MAX_LINK_HOPS = 40;

/** Joins relative paths inside a root, where '' is the root itself. */
export const joinRel = (dir: string, name: string): string => (dir === '' ? name : `${dir}/${name}`);

/** lstat inside the root, or undefined when the entry or one of its parents is missing. */
export function lstatOrUndefined(root: TreeOps, rel: string): SafeStat | undefined {
  try {
    return root.lstat(rel);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/**
 * `path` (as the container sees it) with every symlink followed the way the container's kernel
 * would, but inside `root`: absolute targets start again at the root and `..` stops there, as
 * moby's FollowSymlinkInScope does. Returns the path relative to the root ('' is the root). A
 * missing component ends the walk: the rest is appended as written, so the result names where
 * the path would be (callers lstat it to learn whether it exists).
 */
export function followInRoot(root: TreeOps, path: string): string {
  let todo = path.split('/').filter((p) => p !== '' && p !== '.');
  const done: string[] = [];
  let hops = 0;
  let missing = false;
  while (todo.length > 0) {
    const part = todo.shift() as string;
    if (part === '..') {
      done.pop();
      continue;
    }
    const rel = [...done, part].join('/');
    const st: SafeStat | undefined = missing ? undefined : lstatOrUndefined(root, rel);
    if (!st || !isSymlink(st)) {
      done.push(part);
      missing ||= !st;
      continue;
    }
    if (++hops > MAX_LINK_HOPS) throw badRequest(`too many levels of symbolic links in ${path}`);
    const target = root.readlink(rel);
    if (target.startsWith('/')) done.length = 0;
    todo = [...target.split('/').filter((p) => p !== '' && p !== '.'), ...todo];
  }
  return done.join('/');
}

/** A path the archive endpoints were given, resolved as moby's ResolvePath does. */
export interface ArchivePath {
  /** Relative to the root; its last element is not followed when it is a symlink. */
  rel: string;
  /** Go's filepath.Base of the absolute path: the name the stat and the archive entries carry. */
  name: string;
  /** The absolute path in the container, trailing `/` or `/.` kept (they mean "follow it"). */
  absolute: string;
}

/**
 * Docker's ResolvePath: the parent directory of `path` is followed inside the root, the last
 * element is kept as it is (so `docker cp c:/link .` copies the link), unless the path ends in
 * `/` or `/.`, which follow it too.
 */
export function resolveArchivePath(root: TreeOps, path: string): ArchivePath {
  if (path === '') throw badRequest('path is required');
  const followLast = path.endsWith('/') || path.endsWith('/.') || path === '.';
  const absolute = posix.normalize(`/${path}`);
  const name = absolute === '/' ? '/' : posix.basename(absolute);
  if (followLast) {
    return {
      rel: followInRoot(root, absolute),
      name: path.endsWith('.') ? '.' : name,
      absolute: `${absolute}/.`,
    };
  }
  const parent = followInRoot(root, posix.dirname(absolute));
  return { rel: joinRel(parent, name), name, absolute };
}
