import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The host path of `path` inside `root` with every symlink resolved as the container would see it
 * (absolute targets start again at `root`, `..` stops at it), so that nothing outside `root` is
 * reached. Undefined when the path does not exist or loops. Each step is checked with lstat: the
 * result holds no symlink, as long as nothing changes the tree meanwhile (used before a start).
 */
export function resolveInRoot(root: string, path: string): string | undefined {
  let rest = path.split('/').filter(Boolean);
  let done: string[] = [];
  let hops = 0;
  while (rest.length > 0) {
    const part = rest.shift() as string;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = join(root, ...done, part);
    let isLink: boolean;
    try {
      isLink = lstatSync(host).isSymbolicLink();
    } catch {
      return undefined;
    }
    if (!isLink) {
      done.push(part);
      continue;
    }
    if (++hops > 40) return undefined; // ELOOP, as the kernel counts
    const target = readlinkSync(host);
    if (target.startsWith('/')) done = [];
    rest = [...target.split('/').filter(Boolean), ...rest];
  }
  return join(root, ...done);
}
