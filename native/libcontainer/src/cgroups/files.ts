import {
  closeSync,
  constants,
  type Dirent,
  type FSWatcher,
  openSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  watch,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { LibcontainerError } from '../errors.js';

/** Reads, writes and waits on cgroupfs files, turning failures into ERR_CGROUP errors that name the file. */

type FsError = NodeJS.ErrnoException;

export function cgroupError(
  message: string,
  file: string,
  syscall: string,
  err?: unknown,
): LibcontainerError {
  const e = err as FsError | undefined;
  const reason = e?.code ? `: ${e.code}` : '';
  return new LibcontainerError('ERR_CGROUP', `${message}${reason}`, {
    syscall,
    path: file,
    errno: e?.errno === undefined ? undefined : Math.abs(e.errno),
    errnoCode: e?.code,
    cause: err,
  });
}

/**
 * One write() of the whole value. No O_CREAT: the kernel makes the interface files, so a missing
 * one means the controller is not there, and we must not create a plain file instead (tests use
 * a temp directory). O_WRONLY, not O_RDWR: some cgroup files (cgroup.kill) are write-only.
 */
/**
 * Writes a value to a cgroup file, or several values one write each through one open file (the
 * kernel takes each write as one setting: v1's devices.allow gets a rule per write).
 */
export function writeCgroupFile(file: string, values: string | readonly string[]): void {
  let fd: number | undefined;
  let value = '';
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_TRUNC);
    for (value of typeof values === 'string' ? [values] : values) writeSync(fd, value);
  } catch (err) {
    throw cgroupError(
      `cannot write ${JSON.stringify(value)} to ${file}`,
      file,
      fd === undefined ? 'open' : 'write',
      err,
    );
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function readCgroupFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw cgroupError(`cannot read ${file}`, file, 'read', err);
  }
}

/** For files that only some kernels have (memory.peak, cpuacct.usage_user): undefined when absent. */
export function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as FsError).code === 'ENOENT') return undefined;
    throw cgroupError(`cannot read ${file}`, file, 'read', err);
  }
}

/** "key value" lines (memory.stat, cpu.stat, memory.events, cgroup.events, oom_control). */
export function parseFlatKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined) out.set(key, Number(value));
  }
  return out;
}

/** A counter or limit file: "max" (v2) and the v1 "unlimited" sentinel (≥ 2^62) become null. */
export function parseLimit(text: string): number | null {
  const t = text.trim();
  if (t === 'max' || t === '-1') return null;
  const n = Number(t);
  return n >= 2 ** 62 ? null : n;
}

export function parsePids(text: string): number[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number);
}

/** The cgroup and every cgroup below it, children first (the order rmdir needs); [] if it is gone. */
export function cgroupTree(dir: string): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as FsError).code === 'ENOENT') return [];
    throw cgroupError(`cannot list ${dir}`, dir, 'readdir', err);
  }
  const below = entries.filter((e) => e.isDirectory()).flatMap((e) => cgroupTree(join(dir, e.name)));
  return [...below, dir];
}

/**
 * rmdir of each directory, for a cgroup that is already empty (its container has exited): one
 * syscall each instead of listing every hierarchy for processes. False at the first one that
 * still has processes or cgroups below it; the caller's full removal takes over from there.
 */
export function removeIfEmpty(dirs: readonly string[]): boolean {
  for (const dir of dirs) {
    try {
      rmdirSync(dir);
    } catch (err) {
      const code = (err as FsError).code;
      if (code === 'ENOENT') continue;
      if (code === 'EBUSY' || code === 'ENOTEMPTY') return false;
      throw cgroupError(`cannot remove cgroup ${dir}`, dir, 'rmdir', err);
    }
  }
  return true;
}

/** rmdir that treats "already gone" as success, so remove() is idempotent. */
export function removeCgroupDir(dir: string): void {
  try {
    rmdirSync(dir);
  } catch (err) {
    const code = (err as FsError).code;
    if (code === 'ENOENT') return;
    const hint = code === 'EBUSY' ? ' (processes are still in it; remove({ kill: true }) kills them)' : '';
    throw cgroupError(`cannot remove cgroup ${dir}${hint}`, dir, 'rmdir', err);
  }
}

/**
 * Resolves once `done()` holds, re-checking whenever the kernel signals a change of `file`
 * (cgroup.events and memory.events raise inotify IN_MODIFY). The check runs once after the
 * watch is armed, so a change between the caller's write and the watch is not missed.
 */
export function waitForFile(
  file: string,
  done: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let watcher: FSWatcher | undefined;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      watcher?.close();
      if (err) reject(err);
      else resolve();
    };
    const check = () => {
      try {
        if (done()) finish();
      } catch (err) {
        finish(err);
      }
    };
    try {
      watcher = watch(file, { persistent: true }, check);
    } catch (err) {
      finish(cgroupError(`cannot watch ${file}`, file, 'inotify_add_watch', err));
      return;
    }
    watcher.on('error', (err) => finish(cgroupError(`watch of ${file} failed`, file, 'inotify', err)));
    timer = setTimeout(
      () =>
        finish(
          new LibcontainerError('ERR_CGROUP', `timed out after ${timeoutMs} ms waiting for ${what}`, {
            path: file,
          }),
        ),
      timeoutMs,
    );
    check();
  });
}

export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
