import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SafeRoot } from '@berth/libcontainer';
import { errnoOf, GraphDriverError } from '../errors.js';
import { baseOf, joinRel, parentOf } from './paths.js';

const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFCHR = 0o020000;
export const isDirMode = (mode: number) => (mode & S_IFMT) === S_IFDIR;
export const isLinkMode = (mode: number) => (mode & S_IFMT) === S_IFLNK;
export const isRegMode = (mode: number) => (mode & S_IFMT) === S_IFREG;
export const isCharMode = (mode: number) => (mode & S_IFMT) === S_IFCHR;

/** lstat inside the root, or undefined when the entry (or its parent) does not exist. */
export function lstatOrUndefined(r: SafeRoot, path: string) {
  try {
    return r.lstat(path);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

/**
 * `path` with every symlink in its parent directories resolved the way the kernel does
 * inside the root (RESOLVE_IN_ROOT: absolute targets start at the root, `..` stops there);
 * the last component is kept as it is. The result names the same entry with no symlink on
 * the way, so it can be used below `r.path` for reading a directory listing.
 */
export function canonicalPath(r: SafeRoot, path: string): string {
  const todo = path.split('/').filter((p) => p !== '' && p !== '.');
  const last = todo.pop();
  if (last === undefined) return '';
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const c = todo.shift()!;
    if (c === '..') {
      done.pop();
      continue;
    }
    const candidate = [...done, c].join('/');
    const st = r.lstat(candidate);
    if (isLinkMode(st.mode)) {
      if (++links > 40) {
        throw new GraphDriverError('ERR_LAYER_INVALID', `too many levels of symlinks in ${path}`, { path });
      }
      const target = r.readlink(candidate);
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(...target.split('/').filter((p) => p !== '' && p !== '.'));
    } else done.push(c);
  }
  return [...done, last].join('/');
}

/**
 * Directory listing of `dir` inside the root. The listing is read through the canonical
 * host path; every later change goes through SafeRoot again, so a listing that raced
 * with a change can at worst name entries that are not there.
 */
export function readdirIn(r: SafeRoot, dir: string): string[] {
  const c = dir === '' ? '' : canonicalPath(r, dir);
  return readdirSync(join(r.path, c));
}

/** rm -rf inside the root; a missing entry is fine. Symlinks are removed, never followed. */
export function removeAllIn(r: SafeRoot, path: string): void {
  if (path === '') throw new GraphDriverError('ERR_LAYER_INVALID', 'refusing to remove the layer root');
  const st = lstatOrUndefined(r, path);
  if (!st) return;
  if (!isDirMode(st.mode)) {
    r.unlink(path);
    return;
  }
  const c = joinRel(canonicalPath(r, parentOf(path)), baseOf(path));
  const rec = (p: string) => {
    for (const name of readdirSync(join(r.path, p))) {
      const child = `${p}/${name}`;
      const cs = r.lstat(child);
      if (isDirMode(cs.mode)) rec(child);
      else r.unlink(child);
    }
    r.rmdir(p);
  };
  rec(c);
}
