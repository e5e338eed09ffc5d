import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { callNative, isLibcontainerError, LibcontainerError } from '../errors.js';
import { mount } from '../fs/mount.js';
import { nativeAddon } from '../native.js';

interface NetnsNative {
  createNetns(path: string): number;
  netnsInode(path: string): number;
  detachAndRemove(path: string, isDir: boolean): void;
}

const native = () => nativeAddon<NetnsNative>();

/**
 * Makes `dir` a mount point with shared propagation, as `ip netns add` does for /run/netns:
 * mounts made in it later propagate to peers, and so do their unmounts, so a namespace
 * removed here is not kept alive by a copy of the mount in another mount namespace. If
 * `dir` is not a mount point yet it is bind-mounted onto itself first. Idempotent; undo with
 * {@link removeNetnsDir}.
 */
export function prepareNetnsDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new LibcontainerError('ERR_SYSCALL', e.message, {
      syscall: e.syscall,
      path: dir,
      errno: e.errno === undefined ? undefined : Math.abs(e.errno),
      errnoCode: e.code,
      cause: err,
    });
  }
  try {
    mount(null, dir, null, ['rshared']);
  } catch (err) {
    // EINVAL: not a mount point yet.
    if (!isLibcontainerError(err) || err.errnoCode !== 'EINVAL') throw err;
    mount(dir, dir, null, ['rbind']);
    mount(null, dir, null, ['rshared']);
  }
}

/**
 * Creates a persistent network namespace bind-mounted on the new file `path` (EEXIST if it
 * exists) and returns its inode. The directory of `path` is prepared with
 * {@link prepareNetnsDir}. The namespace is made by a short-lived native thread, so the
 * calling thread stays in its network namespace; the bind mount is made in the calling
 * thread's mount namespace (the host's, for a normal Node process), where other processes
 * find it: `nsenter --net=<path>`, an OCI spec's `{type: 'network', path}`.
 */
export function createNetns(path: string): number {
  prepareNetnsDir(dirname(path));
  return callNative(() => native().createNetns(path));
}

/**
 * Removes a namespace made by {@link createNetns}: lazy unmount, then unlink. The namespace
 * itself goes away once no process and no other mount holds it. A file that is no longer
 * mounted is just unlinked.
 */
export function removeNetns(path: string): void {
  callNative(() => native().detachAndRemove(path, false));
}

/** Undoes {@link prepareNetnsDir}: unmounts the directory's self-bind and removes it (if empty). */
export function removeNetnsDir(dir: string): void {
  callNative(() => native().detachAndRemove(dir, true));
}

/**
 * The inode of the network namespace at `path` (a file from createNetns, or
 * /proc/<pid>/ns/net), to compare namespaces. ERR_SYSCALL with errnoCode EINVAL for another
 * kind of namespace, ENOTTY for a file that is no namespace.
 */
export function netnsInode(path: string): number {
  return callNative(() => native().netnsInode(path));
}
