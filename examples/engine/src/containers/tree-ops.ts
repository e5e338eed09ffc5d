import type { SafeRoot, SafeStat } from '@berth/libcontainer';

/**
 * The file operations the archive code needs, on paths relative to a root ('' is the root): a
 * SafeRoot (one directory, nothing can leave it) or a ContainerView (the container's root with its
 * mounts, each path in the root it belongs to).
 */
export type TreeOps = Pick<
  SafeRoot,
  | 'lstat'
  | 'readlink'
  | 'openFile'
  | 'mkdir'
  | 'mkdirAll'
  | 'unlink'
  | 'symlink'
  | 'link'
  | 'lchown'
  | 'chmod'
  | 'lutimes'
  | 'mkfifo'
  | 'llistxattr'
  | 'lgetxattr'
>;

/** A tree that lists its own directories (and decides which ones a walk enters). */
export interface ListedTree extends TreeOps {
  /** The sorted names in the directory `rel` (lstat'ed as `expected`); [] when it is not entered. */
  listDirectory(rel: string, expected: SafeStat): string[];
}
