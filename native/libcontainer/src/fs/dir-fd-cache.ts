import { closeSync } from 'node:fs';

/**
 * Recently used directory fds of a SafeRoot, keyed by the relative path they were resolved
 * from (least recently used dropped first). An entry stays right only while nothing is
 * removed or renamed in the tree: creating names never changes what an existing path
 * resolves to, removing or renaming can (a directory replaced by a symlink, a whiteout
 * deleting a directory that is then made again), so the owner clears the whole cache then.
 */
export class DirFdCache {
  readonly #fds = new Map<string, number>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = Math.max(1, capacity);
  }

  /** The fd of `dir`, opened with `open` when it is not cached. */
  get(dir: string, open: (dir: string) => number): number {
    const cached = this.#fds.get(dir);
    if (cached !== undefined) {
      // Map order is insertion order: moving a hit to the end keeps the oldest first.
      this.#fds.delete(dir);
      this.#fds.set(dir, cached);
      return cached;
    }
    const fd = open(dir);
    if (this.#fds.size >= this.#capacity) {
      const [oldest, oldFd] = this.#fds.entries().next().value as [string, number];
      this.#fds.delete(oldest);
      closeSync(oldFd);
    }
    this.#fds.set(dir, fd);
    return fd;
  }

  get size(): number {
    return this.#fds.size;
  }

  clear(): void {
    for (const fd of this.#fds.values()) closeSync(fd);
    this.#fds.clear();
  }
}

/**
 * True for a path the cache may take apart as `<dir>/<name>`: relative, no empty, `.` or
 * `..` component, no trailing slash. Anything else is resolved from the root as before.
 */
export function isPlainRelativePath(path: string): boolean {
  if (path === '' || path.charCodeAt(0) === 47 || path.charCodeAt(path.length - 1) === 47) return false;
  let start = 0;
  for (;;) {
    const end = path.indexOf('/', start);
    const len = (end < 0 ? path.length : end) - start;
    if (len === 0) return false;
    if (path.charCodeAt(start) === 46 && (len === 1 || (len === 2 && path.charCodeAt(start + 1) === 46))) {
      return false;
    }
    if (end < 0) return true;
    start = end + 1;
  }
}
