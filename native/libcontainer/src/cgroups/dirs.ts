import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupError } from './files.js';

/**
 * Makes mountPoint/path one level at a time (cgroupfs creates each level's interface files on
 * mkdir) and returns the directories it made, top first, so a failed create can undo exactly
 * those. `prepare(dir, parent)` runs on every level, new or not, top first.
 */
export function makeDirs(
  mountPoint: string,
  path: string,
  prepare?: (dir: string, parent: string) => void,
): string[] {
  const made: string[] = [];
  // Usually only the leaf is new (the parent, e.g. `berth`, stays between containers): one
  // mkdir then, without an EEXIST error per level. `prepare` needs every level visited.
  if (!prepare) {
    const leaf = join(mountPoint, path);
    try {
      mkdirSync(leaf, 0o755);
      return [leaf];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') return [];
        throw cgroupError(`cannot create cgroup ${leaf}`, leaf, 'mkdir', err);
      }
    }
  }
  let parent = mountPoint;
  try {
    for (const segment of path.split('/').filter(Boolean)) {
      const dir = join(parent, segment);
      try {
        mkdirSync(dir, 0o755);
        made.push(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
          throw cgroupError(`cannot create cgroup ${dir}`, dir, 'mkdir', err);
      }
      prepare?.(dir, parent);
      parent = dir;
    }
  } catch (err) {
    undoDirs(made);
    throw err;
  }
  return made;
}

/** Best effort: we are already reporting the error that made us undo. */
export function undoDirs(made: string[]): void {
  for (const dir of [...made].reverse()) {
    try {
      rmdirSync(dir);
    } catch {}
  }
}
