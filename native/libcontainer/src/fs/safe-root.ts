import { closeSync, constants, writeSync } from 'node:fs';
import { fromNativeError, LibcontainerError } from '../errors.js';
import { nativeAddon } from '../native.js';
import { type NodeType, nodeMode } from './mknod.js';
import { type Timespec, toTimespec } from './ownership-times.js';
import { toBuffer, type XattrFlag, type XattrNative, xattrFlags } from './xattr.js';

// Every call takes (rootFd, path, beneath): the addon resolves the parent of `path` inside
// the root with openat2 and acts on the last component without following it.
interface SafeRootNative extends XattrNative {
  openRoot(path: string): number;
  openAt(rootFd: number, path: string, beneath: boolean, flags: number, mode: number): number;
  mkdirAt(rootFd: number, path: string, beneath: boolean, mode: number): void;
  mknod(rootFd: number, path: string, beneath: boolean, mode: number, major: number, minor: number): void;
  symlinkAt(rootFd: number, path: string, beneath: boolean, target: string): void;
  linkAt(rootFd: number, existingPath: string, beneath: boolean, newPath: string): void;
  unlinkAt(rootFd: number, path: string, beneath: boolean, isDir: boolean): void;
  renameAt(rootFd: number, from: string, beneath: boolean, to: string, flags: number): void;
  chownAt(rootFd: number, path: string, beneath: boolean, uid: number, gid: number): void;
  chmodAt(rootFd: number, path: string, beneath: boolean, mode: number): void;
  utimens(
    rootFd: number,
    path: string,
    beneath: boolean,
    as: number,
    an: number,
    ms: number,
    mn: number,
  ): void;
  lstatAt(rootFd: number, path: string, beneath: boolean): SafeStat;
  readlinkAt(rootFd: number, path: string, beneath: boolean): string;
}

/**
 * How paths are resolved inside the root:
 * - `in-root` (RESOLVE_IN_ROOT): as if the root were `/`. `..` stops at the root, absolute
 *   names and absolute symlinks start from it. Right for a container's tree, whose symlinks
 *   (`/usr/lib -> /lib`) mean paths inside it.
 * - `beneath` (RESOLVE_BENEATH): a path that would leave the root (`..` past it, an
 *   absolute name or symlink) fails with ERR_PATH_ESCAPE instead of being clamped.
 * Magic links (/proc/self/fd/…) are never followed in either mode.
 */
export type ResolveMode = 'in-root' | 'beneath';

/** lstat of an entry inside a root, times in nanoseconds. */
export interface SafeStat {
  dev: number;
  ino: number;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdevMajor: number;
  rdevMinor: number;
  size: number;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/** Node-style open flags; the file is never a symlink, fifo or device (see openFile). */
export type OpenFlags = 'r' | 'r+' | 'w' | 'wx' | 'w+' | 'wx+' | 'a' | 'ax' | 'a+' | 'ax+';

const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_TRUNC, O_APPEND } = constants;
const OPEN_FLAGS: Record<OpenFlags, number> = {
  r: O_RDONLY,
  'r+': O_RDWR,
  w: O_WRONLY | O_CREAT | O_TRUNC,
  wx: O_WRONLY | O_CREAT | O_TRUNC | O_EXCL,
  'w+': O_RDWR | O_CREAT | O_TRUNC,
  'wx+': O_RDWR | O_CREAT | O_TRUNC | O_EXCL,
  a: O_WRONLY | O_CREAT | O_APPEND,
  ax: O_WRONLY | O_CREAT | O_APPEND | O_EXCL,
  'a+': O_RDWR | O_CREAT | O_APPEND,
  'ax+': O_RDWR | O_CREAT | O_APPEND | O_EXCL,
};

export interface RenameOptions {
  /** RENAME_NOREPLACE: fail with EEXIST rather than replace `to`. */
  noReplace?: boolean;
  /** RENAME_EXCHANGE: swap the two entries. */
  exchange?: boolean;
  /** RENAME_WHITEOUT: leave an overlay whiteout where `from` was. */
  whiteout?: boolean;
}

/**
 * A directory that file operations can't leave. Each call resolves the parent of its path
 * inside the root (openat2 RESOLVE_IN_ROOT or RESOLVE_BENEATH, plus RESOLVE_NO_MAGICLINKS)
 * and acts on the final component with an *at() call that does not follow it, so no `..`,
 * absolute name or symlink planted in the tree (`evil -> /`, `evil -> ../../..`) makes a call
 * create, change or delete anything outside. Paths are relative to the root; a leading `/`
 * means the root in `in-root` mode. The final component is never followed: lchown, chmod,
 * lutimes and the xattr calls act on a symlink itself, unlink removes the link.
 *
 * Kernel errors are LibcontainerError ERR_SYSCALL; a path that would leave the root in
 * `beneath` mode is ERR_PATH_ESCAPE. Create modes go through the process umask, as with
 * open(2)/mkdir(2): chmod afterwards when the exact mode matters.
 */
export class SafeRoot {
  readonly path: string;
  readonly resolve: ResolveMode;
  #fd: number;

  private constructor(path: string, fd: number, resolve: ResolveMode) {
    this.path = path;
    this.#fd = fd;
    this.resolve = resolve;
  }

  /** Opens `path` (which must be a directory) as a root; `close()` it when done. */
  static open(path: string, options: { resolve?: ResolveMode } = {}): SafeRoot {
    const resolve = options.resolve ?? 'in-root';
    if (resolve !== 'in-root' && resolve !== 'beneath')
      throw new RangeError(`unknown resolve mode ${resolve}`);
    const fd = SafeRoot.#call(path, () => native().openRoot(path));
    return new SafeRoot(path, fd, resolve);
  }

  /** The root's O_PATH directory fd (for *at calls of your own). */
  get fd(): number {
    if (this.#fd < 0) throw new Error(`SafeRoot ${this.path} is closed`);
    return this.#fd;
  }

  /**
   * Opens a regular file and returns its fd, for fs.writeSync/readSync or
   * `fs.createWriteStream(null, {fd})`; the caller closes it. With a create flag ('w', 'a', …)
   * a missing file is created with `mode`. A symlink in the last place fails with ELOOP (it
   * is never followed: unlink it first to replace it), a directory with EISDIR, a fifo,
   * socket or device with EINVAL, and none of these is opened.
   */
  openFile(path: string, flags: OpenFlags | number = 'r', mode = 0o666): number {
    const n = typeof flags === 'number' ? flags : OPEN_FLAGS[flags];
    if (n === undefined) throw new RangeError(`unknown open flags ${JSON.stringify(flags)}`);
    return this.#run((fd, b) => native().openAt(fd, path, b, n, mode));
  }

  /** Creates or truncates a regular file and writes `data` to it. */
  writeFile(
    path: string,
    data: Uint8Array | string,
    options: { mode?: number; flags?: OpenFlags } = {},
  ): void {
    const fd = this.openFile(path, options.flags ?? 'w', options.mode ?? 0o666);
    try {
      const buf = toBuffer(data);
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
    } finally {
      closeSync(fd);
    }
  }

  mkdir(path: string, mode = 0o777): void {
    this.#run((fd, b) => native().mkdirAt(fd, path, b, mode));
  }

  /** mkdir -p inside the root; existing directories (or symlinks to them) are kept. */
  mkdirAll(path: string, mode = 0o777): void {
    const parts = path.split('/').filter((p) => p !== '' && p !== '.');
    for (let i = 1; i <= parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      try {
        this.mkdir(prefix, mode);
      } catch (err) {
        if ((err as LibcontainerError).errnoCode !== 'EEXIST') throw err;
      }
    }
  }

  mknod(path: string, type: NodeType, mode: number, major = 0, minor = 0): void {
    const m = nodeMode(type, mode);
    this.#run((fd, b) => native().mknod(fd, path, b, m, major, minor));
  }

  mkfifo(path: string, mode = 0o644): void {
    this.mknod(path, 'fifo', mode);
  }

  /** An overlayfs whiteout (character device 0:0). */
  mkwhiteout(path: string): void {
    this.mknod(path, 'char', 0, 0, 0);
  }

  /** Creates the symlink `path` -> `target`. The target is stored as given. */
  symlink(target: string, path: string): void {
    this.#run((fd, b) => native().symlinkAt(fd, path, b, target));
  }

  /** Hard link `newPath` to `existingPath`, both inside the root (a symlink is linked itself). */
  link(existingPath: string, newPath: string): void {
    this.#run((fd, b) => native().linkAt(fd, existingPath, b, newPath));
  }

  unlink(path: string): void {
    this.#run((fd, b) => native().unlinkAt(fd, path, b, false));
  }

  rmdir(path: string): void {
    this.#run((fd, b) => native().unlinkAt(fd, path, b, true));
  }

  rename(from: string, to: string, options: RenameOptions = {}): void {
    const flags = (options.noReplace ? 1 : 0) | (options.exchange ? 2 : 0) | (options.whiteout ? 4 : 0);
    this.#run((fd, b) => native().renameAt(fd, from, b, to, flags));
  }

  /** Changes owner and group of the entry itself; -1 keeps one as it is. */
  lchown(path: string, uid: number, gid: number): void {
    this.#run((fd, b) => native().chownAt(fd, path, b, uid, gid));
  }

  /** Changes the mode. Linux has no symlink modes: a symlink fails with EOPNOTSUPP. */
  chmod(path: string, mode: number): void {
    this.#run((fd, b) => native().chmodAt(fd, path, b, mode));
  }

  /** Sets atime and mtime of the entry itself, with nanosecond precision. */
  lutimes(path: string, atime: Timespec, mtime: Timespec): void {
    const [as, an] = toTimespec(atime);
    const [ms, mn] = toTimespec(mtime);
    this.#run((fd, b) => native().utimens(fd, path, b, as, an, ms, mn));
  }

  lsetxattr(path: string, name: string, value: Uint8Array | string, flag?: XattrFlag | number): void {
    const buf = toBuffer(value);
    const flags = xattrFlags(flag);
    this.#run((fd, b) => native().xattrSet(fd, path, b, name, buf, flags));
  }

  /** The attribute's value, or null if it is not set. */
  lgetxattr(path: string, name: string): Buffer | null {
    return this.#run((fd, b) => native().xattrGet(fd, path, b, name));
  }

  llistxattr(path: string): string[] {
    return this.#run((fd, b) => native().xattrList(fd, path, b));
  }

  lremovexattr(path: string, name: string): void {
    this.#run((fd, b) => native().xattrRemove(fd, path, b, name));
  }

  lstat(path: string): SafeStat {
    return this.#run((fd, b) => native().lstatAt(fd, path, b));
  }

  readlink(path: string): string {
    return this.#run((fd, b) => native().readlinkAt(fd, path, b));
  }

  close(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }

  #run<T>(fn: (rootFd: number, beneath: boolean) => T): T {
    const fd = this.fd;
    return SafeRoot.#call(this.path, () => fn(fd, this.resolve === 'beneath'));
  }

  // openat2 answers EXDEV when resolution would leave the root (RESOLVE_BENEATH); that, and
  // only that, is a path escape (EXDEV from linkat/renameat is a cross-mount error).
  static #call<T>(root: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      const e = fromNativeError(err);
      if (e.syscall === 'openat2' && e.errnoCode === 'EXDEV') {
        throw new LibcontainerError(
          'ERR_PATH_ESCAPE',
          `path ${JSON.stringify(e.path)} would leave the root ${root}`,
          {
            syscall: e.syscall,
            path: e.path,
            errno: e.errno,
            errnoCode: e.errnoCode,
            cause: err,
          },
        );
      }
      throw e;
    }
  }
}

const native = () => nativeAddon<SafeRootNative>();
