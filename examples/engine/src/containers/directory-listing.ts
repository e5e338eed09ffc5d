import { closeSync, constants, fstatSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { errnoOf } from '@berth/graph-driver';
import type { SafeRoot, SafeStat } from '@berth/libcontainer';

/**
 * The names in a directory of a SafeRoot, sorted. Node can't list a directory through an fd of
 * SafeRoot's, so the directory is opened by its host path without following a last symlink, checked
 * to be the very inode SafeRoot found (a parent swapped for a symlink would give another), and read
 * through that fd (/proc/self/fd): what is listed is the directory inside the root, or nothing.
 */
export function listDirectoryIn(root: SafeRoot, rel: string, expected: SafeStat): string[] {
  let fd: number;
  try {
    fd = openSync(join(root.path, rel), constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return [];
    throw err;
  }
  try {
    const st = fstatSync(fd);
    if (st.dev !== expected.dev || st.ino !== expected.ino) return [];
    return readdirSync(`/proc/self/fd/${fd}`).sort(byteOrder);
  } finally {
    closeSync(fd);
  }
}

/** Names in byte order, as tar and Go's filepath.Walk list them. */
export const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));
