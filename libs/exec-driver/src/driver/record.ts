import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What the driver keeps about a container beside libcontainer's state dir, in
 * `<root>/.driver/<id>/record.json`. Written before any kernel object (the cgroup) is made,
 * so a crash leaves a record that `delete` can clean up.
 */
export interface DriverRecord {
  id: string;
  bundle: string;
  /** Normalized cgroup path (below the hierarchy root), e.g. `/berth/<id>`. */
  cgroupPath: string;
  created: string;
  logPath: string;
  stopSignal?: string;
  annotations: Record<string, string>;
  /**
   * Set once libcontainer has made the container. A container run in place keeps false: its
   * monitor makes it after this process has become that monitor.
   */
  complete: boolean;
  /** Set once `start` has released the process to exec its program. */
  started?: boolean;
  /** The spec's poststart hooks, run by start (kept here so start need not read the spec). */
  poststart?: Array<{ path: string; args?: string[]; env?: string[]; timeout?: number }>;
  /** The spec's poststop hooks, run on delete. */
  poststop?: Array<{ path: string; args?: string[]; env?: string[]; timeout?: number }>;
}

export const driverDir = (root: string, id: string) => join(root, '.driver', id);

/**
 * Takes the id: makes the container's record dir, failing if it exists. Exclusive, so of two
 * creates with one id exactly one wins. Returns false when the id is taken.
 */
export async function claimRecord(root: string, id: string): Promise<boolean> {
  mkdirSync(join(root, '.driver'), { recursive: true, mode: 0o700 });
  try {
    mkdirSync(driverDir(root, id), { mode: 0o700 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

// The record is small and read or written on every operation: synchronous calls cost less
// than threadpool round trips.

export async function writeRecord(root: string, record: DriverRecord): Promise<void> {
  const dir = driverDir(root, record.id);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'record.json');
  writeFileSync(`${path}.tmp`, JSON.stringify(record, null, 2));
  renameSync(`${path}.tmp`, path);
}

export async function readRecord(root: string, id: string): Promise<DriverRecord | undefined> {
  try {
    return JSON.parse(readFileSync(join(driverDir(root, id), 'record.json'), 'utf8')) as DriverRecord;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function removeRecord(root: string, id: string): Promise<void> {
  // Sync as well: the promise version walks the dir through the thread pool (~2 ms more at
  // the end of every `berth-runtime run`).
  rmSync(driverDir(root, id), { recursive: true, force: true });
}
