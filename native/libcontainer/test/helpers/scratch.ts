import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { umount } from '../../src/index.js';

/** A fresh temp directory named berth-test-*, for one test. */
export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'berth-test-'));
}

// Mount points in /proc/self/mountinfo escape space, tab, newline and backslash as \ooo.
const unescapeMountinfo = (s: string) =>
  s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Mount points at or below `dir`, deepest (latest) first. */
export function mountsUnder(dir: string): string[] {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => unescapeMountinfo(line.split(' ')[4]!))
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
  return points.reverse();
}

/** Unmounts everything below `dir`, then deletes it. Never deletes through a mount. */
export function removeScratch(dir: string): void {
  for (let round = 0; round < 10; round++) {
    const mounts = mountsUnder(dir);
    if (mounts.length === 0) break;
    for (const m of mounts) {
      try {
        umount(m, { detach: true });
      } catch {
        // an outer mount went first and took this one along
      }
    }
  }
  if (mountsUnder(dir).length > 0) throw new Error(`could not unmount everything under ${dir}`);
  rmSync(dir, { recursive: true, force: true });
}
