import { closeSync, constants, writeSync } from 'node:fs';
import { fromNativeError, LibcontainerError } from '../errors.js';
import { nativeAddon } from '../native.js';
import { DirFdCache, isPlainRelativePath } from './dir-fd-cache.js';
import { type NodeType, nodeMode } from './mknod.js';
import { type Timespec, toTimespec } from './ownership-times.js';
import { toBuffer, type XattrFlag, type XattrNative, xattrFlags } from './xattr.js';

// Every call takes (rootFd, path, resolve): the addon resolves the parent of `path` inside
// the root with openat2 and acts on the last component without following it. `resolve` is
// a boolean (beneath or not) or a Resolve number; IN_DIR means `rootFd` is a directory fd
// from openDirAt and `path` one name in it.
interface SafeRootNative extends XattrNative {
  /** Absent from builds older than the parent cache (then it stays off). */
  openDirAt?(rootFd: number, path: string, beneath: boolean): number;
  createFileAt?(
    rootFd: number,
    path: string,
    resolve: boolean | number,
    data: Buffer | Buffer[],
    mode: number,
    uid: number,
    gid: number,
    as: number,
    an: number,
    ms: number,
    mn: number,
  ): void;
  openRoot(path: string): number;
  openAt(rootFd: number, path: string, resolve: boolean | number, flags: number, mode: number): number;
  mkdirAt(rootFd: number, path: string, resolve: boolean | number, mode: number): void;
  mknod(
    rootFd: number,
    path: string,
    resolve: boolean | number,
    mode: number,
    major: number,
    minor: number,
  ): void;
  symlinkAt(rootFd: number, path: string, resolve: boolean | number, target: string): void;
  linkAt(rootFd: number, existingPath: string, resolve: boolean | number, newPath: string): void;
  unlinkAt(rootFd: number, path: string, resolve: boolean | number, isDir: boolean): void;
  renameAt(rootFd: number, from: string, resolve: boolean | number, to: string, flags: number): void;
  chownAt(rootFd: number, path: string, resolve: boolean | number, uid: number, gid: number): void;
  chmodAt(rootFd: number, path: string, resolve: boolean | number, mode: number): void;
  utimens(
    rootFd: number,
    path: string,
    resolve: boolean | number,
    as: number,
    an: number,
    ms: number,
    mn: number,
  ): void;
  lstatAt(rootFd: number, path: string, resolve: boolean | number): SafeStat;
  readlinkAt(rootFd: number, path: string, resolve: boolean | number): string;
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

/** Owner, mode and times of a file made by `createFile`. */
export interface FileAttributes {
  /** Permission bits incl. setuid/setgid/sticky (set after the owner); default 0o644. */
  mode?: number;
  /** Owner and group; default (or -1): the creating process's. */
  uid?: number;
  gid?: number;
  /** Default: left as the create made them. */
  atime?: Timespec;
  mtime?: Timespec;
}

export interface SafeRootOptions {
  resolve?: ResolveMode;
  /**
   * Keep the fds of up to this many recently used parent directories (0, the default: off).
   * A call on `dir/name` then resolves `dir` once and acts on `name` in it, instead of
   * walking the whole path each time. Every unlink, rmdir and rename through this SafeRoot
   * clears the cache (removing or renaming is what can change what a path resolves to);
   * call `forgetDirs()` after changing the tree any other way.
   */
  cacheDirs?: number;
}

// The addon's `resolve` argument (csrc/addon/safe_root.h).
const IN_ROOT = 0;
const BENEATH = 1;
const IN_DIR = 2;

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
  readonly #dirs: DirFdCache | undefined;

  private constructor(path: string, fd: number, resolve: ResolveMode, cacheDirs: number) {
    this.path = path;
    this.#fd = fd;
    this.resolve = resolve;
    this.#dirs = cacheDirs > 0 && native().openDirAt ? new DirFdCache(cacheDirs) : undefined;
  }

  /** Opens `path` (which must be a directory) as a root; `close()` it when done. */
  static open(path: string, options: SafeRootOptions = {}): SafeRoot {
    const resolve = options.resolve ?? 'in-root';
    if (resolve !== 'in-root' && resolve !== 'beneath')
      throw new RangeError(`unknown resolve mode ${resolve}`);
    const cacheDirs = options.cacheDirs ?? 0;
    if (!Number.isInteger(cacheDirs) || cacheDirs < 0) {
      throw new RangeError(`cacheDirs must be a non-negative integer, got ${cacheDirs}`);
    }
    const fd = SafeRoot.#call(path, () => native().openRoot(path));
    return new SafeRoot(path, fd, resolve, cacheDirs);
  }

  /** How many parent directory fds are cached now (see `cacheDirs`). */
  get cachedDirs(): number {
    return this.#dirs?.size ?? 0;
  }

  /** Drops the parent directory cache: needed after changing the tree other than through this SafeRoot. */
  forgetDirs(): void {
    this.#dirs?.clear();
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
    return this.#at(path, (fd, p, b) => native().openAt(fd, p, b, n, mode));
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

  /**
   * Creates the regular file `path` with `data` (one buffer or several, written in order)
   * and sets its owner, mode and times, in one native call: much cheaper than openFile,
   * writes, lchown, chmod and lutimes for many small files. Fails with EEXIST when anything
   * is in its place (a symlink there is never followed). On a failure after the create, the
   * partial file stays.
   */
  createFile(
    path: string,
    data: Uint8Array | string | readonly Uint8Array[],
    attrs: FileAttributes = {},
  ): void {
    const mode = attrs.mode ?? 0o644;
    const uid = attrs.uid ?? -1;
    const gid = attrs.gid ?? -1;
    const [as, an] = toTimespec(attrs.atime ?? 'omit');
    const [ms, mn] = toTimespec(attrs.mtime ?? 'omit');
    const parts = Array.isArray(data)
      ? (data as readonly Uint8Array[]).map(toBuffer)
      : toBuffer(data as Uint8Array);
    const create = native().createFileAt;
    if (create) {
      this.#at(path, (fd, p, b) => create(fd, p, b, parts, mode, uid, gid, as, an, ms, mn));
      return;
    }
    // An addon built before createFileAt: the same steps, one call each.
    const fd = this.openFile(path, 'wx', 0o600);
    try {
      for (const buf of Array.isArray(parts) ? parts : [parts]) {
        for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
      }
    } finally {
      closeSync(fd);
    }
    if (uid !== -1 || gid !== -1) this.lchown(path, uid, gid);
    this.chmod(path, mode);
    this.lutimes(path, attrs.atime ?? 'omit', attrs.mtime ?? 'omit');
  }

  mkdir(path: string, mode = 0o777): void {
    this.#at(path, (fd, p, b) => native().mkdirAt(fd, p, b, mode));
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
    this.#at(path, (fd, p, b) => native().mknod(fd, p, b, m, major, minor));
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
    this.#at(path, (fd, p, b) => native().symlinkAt(fd, p, b, target));
  }

  /** Hard link `newPath` to `existingPath`, both inside the root (a symlink is linked itself). */
  link(existingPath: string, newPath: string): void {
    this.#run((fd, b) => native().linkAt(fd, existingPath, b, newPath));
  }

  unlink(path: string): void {
    this.#removing(() => this.#at(path, (fd, p, b) => native().unlinkAt(fd, p, b, false)));
  }

  rmdir(path: string): void {
    this.#removing(() => this.#at(path, (fd, p, b) => native().unlinkAt(fd, p, b, true)));
  }

  rename(from: string, to: string, options: RenameOptions = {}): void {
    const flags = (options.noReplace ? 1 : 0) | (options.exchange ? 2 : 0) | (options.whiteout ? 4 : 0);
    this.#removing(() => this.#run((fd, b) => native().renameAt(fd, from, b, to, flags)));
  }

  /** Changes owner and group of the entry itself; -1 keeps one as it is. */
  lchown(path: string, uid: number, gid: number): void {
    this.#at(path, (fd, p, b) => native().chownAt(fd, p, b, uid, gid));
  }

  /** Changes the mode. Linux has no symlink modes: a symlink fails with EOPNOTSUPP. */
  chmod(path: string, mode: number): void {
    this.#at(path, (fd, p, b) => native().chmodAt(fd, p, b, mode));
  }

  /** Sets atime and mtime of the entry itself, with nanosecond precision. */
  lutimes(path: string, atime: Timespec, mtime: Timespec): void {
    const [as, an] = toTimespec(atime);
    const [ms, mn] = toTimespec(mtime);
    this.#at(path, (fd, p, b) => native().utimens(fd, p, b, as, an, ms, mn));
  }

  lsetxattr(path: string, name: string, value: Uint8Array | string, flag?: XattrFlag | number): void {
    const buf = toBuffer(value);
    const flags = xattrFlags(flag);
    this.#at(path, (fd, p, b) => native().xattrSet(fd, p, b, name, buf, flags));
  }

  /** The attribute's value, or null if it is not set. */
  lgetxattr(path: string, name: string): Buffer | null {
    return this.#at(path, (fd, p, b) => native().xattrGet(fd, p, b, name));
  }

  llistxattr(path: string): string[] {
    return this.#at(path, (fd, p, b) => native().xattrList(fd, p, b));
  }

  lremovexattr(path: string, name: string): void {
    this.#at(path, (fd, p, b) => native().xattrRemove(fd, p, b, name));
  }

  lstat(path: string): SafeStat {
    return this.#at(path, (fd, p, b) => native().lstatAt(fd, p, b));
  }

  readlink(path: string): string {
    return this.#at(path, (fd, p, b) => native().readlinkAt(fd, p, b));
  }

  close(): void {
    this.#dirs?.clear();
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }

  #run<T>(fn: (rootFd: number, resolve: boolean | number) => T): T {
    const fd = this.fd;
    return SafeRoot.#call(this.path, () => fn(fd, this.resolve === 'beneath'));
  }

  /**
   * Runs `fn` on `path`: through a cached fd of its parent (IN_DIR, one name) when the
   * cache is on and the path is plain, else from the root (openat2 per call).
   */
  #at<T>(path: string, fn: (fd: number, path: string, resolve: number) => T): T {
    const rootFd = this.fd;
    const mode = this.resolve === 'beneath' ? BENEATH : IN_ROOT;
    const dirs = this.#dirs;
    if (dirs === undefined || !isPlainRelativePath(path)) {
      return SafeRoot.#call(this.path, () => fn(rootFd, path, mode));
    }
    const slash = path.lastIndexOf('/');
    const name = slash < 0 ? path : path.slice(slash + 1);
    return SafeRoot.#call(
      this.path,
      () => {
        // A top-level name lives in the root itself, whose fd is already a resolved directory.
        const dirFd =
          slash < 0
            ? rootFd
            : dirs.get(path.slice(0, slash), (dir) =>
                (native().openDirAt as OpenDirAt)(rootFd, dir, mode === BENEATH),
              );
        return fn(dirFd, name, IN_DIR);
      },
      path,
    );
  }

  /** Runs a removal or rename; afterwards cached parents may resolve differently: drop them. */
  #removing<T>(fn: () => T): T {
    try {
      return fn();
    } finally {
      this.#dirs?.clear();
    }
  }

  // openat2 answers EXDEV when resolution would leave the root (RESOLVE_BENEATH); that, and
  // only that, is a path escape (EXDEV from linkat/renameat is a cross-mount error).
  // `path`: the caller's path, for errors of a call that got only its last name (IN_DIR).
  static #call<T>(root: string, fn: () => T, path?: string): T {
    try {
      return fn();
    } catch (err) {
      const e = withPath(fromNativeError(err), path);
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

type OpenDirAt = NonNullable<SafeRootNative['openDirAt']>;

/** The error with `path` in place of the last name the addon saw (IN_DIR calls). */
function withPath(e: LibcontainerError, path: string | undefined): LibcontainerError {
  if (path === undefined || e.path === undefined || e.path === path) return e;
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (e.path !== name) return e;
  return new LibcontainerError(e.code, e.message.replace(`(${name})`, `(${path})`), {
    syscall: e.syscall,
    path,
    errno: e.errno,
    errnoCode: e.errnoCode,
    cause: e.cause,
  });
}

const native = () => nativeAddon<SafeRootNative>();
