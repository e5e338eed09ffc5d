import type { OpenFlags, SafeRoot, SafeStat, Timespec } from '@berth/libcontainer';
import { ApiError, badRequest } from '../api/api-error.js';
import type { EntryKind } from './archive-rules.js';
import { byteOrder, listDirectoryIn } from './directory-listing.js';
import type { ListedTree } from './tree-ops.js';

/** One root of a ContainerView: the container's rootfs, or something mounted into it. */
export interface ViewRoot {
  /** Where the container sees it, relative to its `/`, symlinks resolved ('' is the rootfs). */
  at: string;
  /** The directory holding it; every operation goes through it. */
  root: SafeRoot;
  /** The mounted thing inside `root`: '' for a directory, the file's name for a file mount. */
  leaf: string;
  rw: boolean;
  /** The device of the mounted directory: a walk enters only directories on it. */
  dev: number;
  /** What the container was asked to mount there, for messages. */
  destination: string;
  /** Called once when the view closes (a stand-in directory to remove). */
  release?: () => Promise<void>;
}

/** Where a path of the container is: the root that holds it and the path inside that root. */
interface Located {
  mount: ViewRoot;
  rel: string;
  /** The path is the mounted thing itself. */
  isMountPoint: boolean;
}

const partsOf = (path: string): string[] => {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts;
};

/**
 * A container's filesystem as the container sees it, for `docker cp`: its rootfs with its volumes,
 * binds, tmpfs mounts and network files (/etc/hosts, …) over it. A path (relative to the
 * container's `/`) is handed to the root of the longest mount it is under, with the rest of it; each
 * root is a SafeRoot, so whatever a volume or bind holds (`evil -> /`), an operation never leaves
 * the root it was given to. Symlinks met by `followInRoot` are followed across mounts as in the
 * container, one component at a time; a symlink in the middle of a path handed to an operation is
 * resolved inside that path's root. Writes into a read-only root are refused as dockerd refuses them.
 */
export class ContainerView implements ListedTree {
  readonly #mounts = new Map<string, ViewRoot>();

  constructor(readonly rootfs: ViewRoot) {}

  /** Adds a mount over what the view shows at `mount.at` (mounts are added parents first). */
  add(mount: ViewRoot): void {
    const old = this.#mounts.get(mount.at);
    if (old) this.#release(old).catch(() => undefined);
    this.#mounts.set(mount.at, mount);
  }

  async close(): Promise<void> {
    for (const mount of this.#mounts.values()) await this.#release(mount);
    this.#mounts.clear();
  }

  async #release(mount: ViewRoot): Promise<void> {
    mount.root.close();
    await mount.release?.();
  }

  #locate(path: string): Located {
    const parts = partsOf(path);
    for (let i = parts.length; i > 0; i--) {
      const mount = this.#mounts.get(parts.slice(0, i).join('/'));
      if (!mount) continue;
      const rest = parts.slice(i);
      const rel = [...(mount.leaf ? [mount.leaf] : []), ...rest].join('/');
      return { mount, rel, isMountPoint: rest.length === 0 };
    }
    return { mount: this.rootfs, rel: parts.join('/'), isMountPoint: parts.length === 0 };
  }

  /** Refuses a change at `path` when its root is read-only (dockerd's messages and codes). */
  checkWritable(path: string): void {
    const { mount } = this.#locate(path);
    if (mount.rw) return;
    if (mount === this.rootfs) throw new ApiError(403, 'container rootfs is marked read-only');
    throw badRequest(`mounted volume is marked read-only: ${mount.destination}`);
  }

  /** An archive entry may be written at `path`: its root is writable, no mounted file is replaced. */
  checkWrite(path: string, kind?: EntryKind, linkPath?: string): void {
    this.checkWritable(path);
    const { mount, isMountPoint } = this.#locate(path);
    if (isMountPoint && mount.leaf !== '')
      throw badRequest(`cannot replace ${mount.destination}: it is a file mounted into the container`);
    if (isMountPoint && kind !== undefined && kind !== 'directory')
      throw badRequest(`cannot replace ${mount.destination}: it is a mount point (device or resource busy)`);
    // A hard link cannot cross from one mount to another: refused now, before anything is written.
    if (linkPath !== undefined && this.#locate(linkPath).mount !== mount)
      throw badRequest(`cannot link ${path} to ${linkPath}: they are on different mounts`);
  }

  #writing(path: string): Located {
    this.checkWritable(path);
    return this.#locate(path);
  }

  #removing(path: string): Located {
    const at = this.#writing(path);
    if (at.isMountPoint && at.mount !== this.rootfs)
      throw badRequest(
        `cannot remove ${at.mount.destination}: it is a mount point (device or resource busy)`,
      );
    return at;
  }

  listDirectory(path: string, expected: SafeStat): string[] {
    const { mount, rel } = this.#locate(path);
    if (expected.dev !== mount.dev) return [];
    const names = listDirectoryIn(mount.root, rel, expected);
    // Mount points the rootfs lacks (a created container's) are listed all the same.
    const here = partsOf(path);
    for (const at of this.#mounts.keys()) {
      const parts = at.split('/');
      const name = parts.pop() as string;
      if (parts.join('/') === here.join('/') && !names.includes(name)) names.push(name);
    }
    return names.sort(byteOrder);
  }

  lstat(path: string): SafeStat {
    const { mount, rel } = this.#locate(path);
    return mount.root.lstat(rel);
  }

  readlink(path: string): string {
    const { mount, rel } = this.#locate(path);
    return mount.root.readlink(rel);
  }

  openFile(path: string, flags: OpenFlags | number = 'r', mode = 0o666): number {
    const { mount, rel } = flags === 'r' ? this.#locate(path) : this.#writing(path);
    return mount.root.openFile(rel, flags, mode);
  }

  llistxattr(path: string): string[] {
    const { mount, rel } = this.#locate(path);
    return mount.root.llistxattr(rel);
  }

  lgetxattr(path: string, name: string): Buffer | null {
    const { mount, rel } = this.#locate(path);
    return mount.root.lgetxattr(rel, name);
  }

  mkdir(path: string, mode = 0o777): void {
    const { mount, rel } = this.#writing(path);
    mount.root.mkdir(rel, mode);
  }

  /** mkdir -p across the view's roots; what exists (a directory or a link to one) is kept. */
  mkdirAll(path: string, mode = 0o777): void {
    const parts = partsOf(path);
    for (let i = 1; i <= parts.length; i++) {
      try {
        this.mkdir(parts.slice(0, i).join('/'), mode);
      } catch (err) {
        if ((err as { errnoCode?: string }).errnoCode !== 'EEXIST') throw err;
      }
    }
  }

  mkfifo(path: string, mode = 0o644): void {
    const { mount, rel } = this.#writing(path);
    mount.root.mkfifo(rel, mode);
  }

  symlink(target: string, path: string): void {
    const { mount, rel } = this.#writing(path);
    mount.root.symlink(target, rel);
  }

  /** A hard link inside one root (across roots it is EXDEV, as between two mounts). */
  link(existingPath: string, newPath: string): void {
    const from = this.#locate(existingPath);
    const to = this.#writing(newPath);
    if (from.mount !== to.mount)
      throw badRequest(`cannot link ${newPath} to ${existingPath}: they are on different mounts`);
    to.mount.root.link(from.rel, to.rel);
  }

  unlink(path: string): void {
    const { mount, rel } = this.#removing(path);
    mount.root.unlink(rel);
  }

  lchown(path: string, uid: number, gid: number): void {
    const { mount, rel } = this.#writing(path);
    mount.root.lchown(rel, uid, gid);
  }

  chmod(path: string, mode: number): void {
    const { mount, rel } = this.#writing(path);
    mount.root.chmod(rel, mode);
  }

  lutimes(path: string, atime: Timespec, mtime: Timespec): void {
    const { mount, rel } = this.#writing(path);
    mount.root.lutimes(rel, atime, mtime);
  }
}
