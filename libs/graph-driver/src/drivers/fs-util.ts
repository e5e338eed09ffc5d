import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** `cp -a --reflink=auto`: owners, modes, ns times, xattrs, hardlinks and devices kept. */
export async function copyTree(src: string, dst: string): Promise<void> {
  await run('cp', ['-a', '--reflink=auto', '--no-target-directory', src, dst], { maxBuffer: 1 << 20 });
}

export const tmpName = (prefix: string) => `${prefix}.berth-tmp-${randomBytes(6).toString('hex')}`;

/** Writes a file atomically (temp file, rename). */
export function writeFileAtomic(path: string, data: string): void {
  const tmp = tmpName(path);
  writeFileSync(tmp, data, { mode: 0o600 });
  renameSync(tmp, path);
}

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Removes leftovers of interrupted work (`*.berth-tmp-*`) directly in `dir`. */
export function removeTempLeftovers(dir: string): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.includes('.berth-tmp-')) continue;
    rmSync(`${dir}/${name}`, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
