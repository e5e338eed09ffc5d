import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NetworkDriverError } from './errors.js';
import type { PortMapping } from './ports.js';

/** Persisted record of a network. Written before its bridge is created (`phase: 'creating'`). */
export interface NetworkRecord {
  id: string;
  name: string;
  bridge: string;
  subnet: string;
  gateway: string;
  /** Dynamic allocations come from here (default: the whole subnet). */
  ipRange: string;
  internal: boolean;
  isDefault: boolean;
  /** Embedded DNS answers container names on this network (user-defined networks). */
  dns: boolean;
  phase: 'creating' | 'ready';
  /** The process that recorded a `creating` phase, so a restart can tell a crash from a peer at work. */
  pid: number;
  /** Last address handed out, so that allocation rolls on instead of reusing a just-released one. */
  lastAllocated: string | null;
  created: string;
}

export interface EndpointRecord {
  network: string;
  ip: string;
  mac: string;
  hostIfname: string;
  containerIfname: string;
  aliases: string[];
  ports: PortMapping[];
  phase: 'creating' | 'ready';
  pid: number;
}

export type SandboxMode = 'none' | 'host' | 'bridge' | 'container';

export interface SandboxRecord {
  id: string;
  name: string;
  hostname: string;
  mode: SandboxMode;
  /** The namespace this driver made (none, bridge), or null (host), or the shared one (container). */
  netnsPath: string | null;
  /** Whether this sandbox owns (made, and must remove) its netnsPath. */
  ownsNetns: boolean;
  /** For mode `container`: the sandbox whose namespace this one joins. */
  sharedWith: string | null;
  /** The network whose gateway is the default route. */
  gatewayNetwork: string | null;
  endpoints: Record<string, EndpointRecord>;
}

export interface State {
  version: 1;
  networks: Record<string, NetworkRecord>;
  sandboxes: Record<string, SandboxRecord>;
}

const emptyState = (): State => ({ version: 1, networks: {}, sandboxes: {} });

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

export const processAlive = isAlive;

/**
 * The driver's persisted state: one JSON file under the root, replaced atomically (temp file,
 * fsync, rename), and a lock file (`O_EXCL`, holding the owner's pid)
 * that serializes read-modify-write transactions across processes; within a process they are
 * queued, so the lock file is only contended between processes. A lock left by a dead process
 * is broken.
 */
export class StateStore {
  readonly file: string;
  readonly lockFile: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    this.file = join(root, 'network-state.json');
    this.lockFile = join(root, 'network-state.lock');
  }

  async read(): Promise<State> {
    let text: string;
    try {
      // One small file: a synchronous read costs less than a threadpool round trip.
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
      throw err;
    }
    return this.parse(text);
  }

  private parse(text: string): State {
    try {
      const s = JSON.parse(text) as State;
      if (s.version !== 1 || typeof s.networks !== 'object' || typeof s.sandboxes !== 'object')
        throw new Error();
      return s;
    } catch (err) {
      throw new NetworkDriverError('ERR_STATE_CORRUPT', `${this.file} is not a network-driver state file`, {
        cause: err,
      });
    }
  }

  /**
   * Runs `fn` on a fresh copy of the state while holding the lock; if it returns without throwing,
   * the (mutated) state is written back before the lock is released. `fn` may be async: keep
   * kernel work out of it, except what must be ordered with the state (rule sets).
   */
  transact<T>(fn: (state: State) => T | Promise<T>): Promise<T> {
    const next = this.queue.then(async () => {
      await this.lock();
      try {
        let text: string | null = null;
        try {
          text = readFileSync(this.file, 'utf8');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
        const state = text === null ? emptyState() : this.parse(text);
        const result = await fn(state);
        const out = JSON.stringify(state, null, 1);
        if (out !== text) this.writeAtomically(out);
        return result;
      } finally {
        try {
          unlinkSync(this.lockFile);
        } catch {}
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private writeAtomically(text: string): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // No fsync of the directory: after a power cut the kernel objects the records describe are
    // gone too, and either the old or the new file is there, whole (the file itself was synced).
    renameSync(tmp, this.file);
  }

  private async lock(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (let delay = 1; ; delay = Math.min(delay * 2, 16)) {
      try {
        // Synchronous on purpose: uncontended (the usual case, the queue serializes this
        // process) it costs microseconds, against a threadpool round trip per call.
        const fd = openSync(this.lockFile, 'wx', 0o600);
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = Number(await readFile(this.lockFile, 'utf8').catch(() => ''));
      // An empty file is a lock being written right now; a dead owner's lock is broken.
      if (owner > 0 && owner !== process.pid && !isAlive(owner)) {
        await unlink(this.lockFile).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) {
        throw new NetworkDriverError('ERR_LOCK_TIMEOUT', `${this.lockFile} held by pid ${owner} for 30 s`);
      }
      await sleep(delay);
    }
  }
}
