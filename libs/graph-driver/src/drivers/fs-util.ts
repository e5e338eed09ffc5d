import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** `cp -a --reflink=auto`: owners, modes, ns times, xattrs, hardlinks and devices kept. */
export async function copyTree(src: string, dst: string): Promise<void> {
  await run('cp', ['-a', '--reflink=auto', '--no-target-directory', src, dst], { maxBuffer: 1 << 20 });
}

export const tmpName = (prefix: string) => `${prefix}.berth-tmp-${randomBytes(6).toString('hex')}`;

/** Writes a new file and fsyncs it before closing (`wx`: never through an existing name). */
export function writeFileSynced(path: string, data: string, mode = 0o600): void {
  const fd = openSync(path, 'wx', mode);
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsyncs a directory, so that entries created, renamed or removed in it are durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes a file atomically and durably: temp file written and fsynced, renamed over `path`,
 * then the directory fsynced. On failure the temp file is removed and `path` is unchanged.
 */
export function writeFileAtomic(path: string, data: string): void {
  const tmp = tmpName(path);
  try {
    writeFileSynced(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dirname(path));
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
