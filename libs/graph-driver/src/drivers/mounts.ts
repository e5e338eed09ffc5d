import { readFileSync } from 'node:fs';
import { umount } from '@berth/libcontainer';

// Mount points in /proc/self/mountinfo escape space, tab, newline and backslash as \ooo.
const unescapeMountinfo = (s: string) =>
  s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

/** Mount points at or below `dir`, deepest (latest) first. */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => unescapeMountinfo(line.split(' ')[4]!))
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .reverse();
}

/** Detaches every mount at or below `dir` (left over by a crash, or at shutdown). */
export function unmountAllUnder(dir: string): void {
  for (let round = 0; round < 10; round++) {
    const points = mountsUnder(dir);
    if (points.length === 0) return;
    for (const p of points) {
      try {
        umount(p, { detach: true, noFollow: true });
      } catch {
        // an outer mount went first and took this one along
      }
    }
  }
}
