import { readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { LibcontainerError } from '../errors.js';
import { Pidfd } from '../process/pidfd.js';
import { type Attachment, attachTo } from './attach.js';
import { type ExitStatus, readExitStatus, readExitStatusSync } from './exit-status.js';
import { isSameProcess, isZombie } from './process-identity.js';

/** What identifies a process run under a monitor, as kept in its state dir. */
export interface MonitoredRecord {
  stateDir: string;
  pid: number;
  pidStartTime: number;
  monitorPid: number;
  monitorStartTime: number;
  /**
   * Handed off to the caller's reaper (an engine's shim or conmon): the monitor left once the
   * program started, so the exit status is the reaper's, not in the state dir.
   */
  handOff?: boolean;
}

export type ProcessStatus = 'created' | 'running' | 'stopped';

/**
 * A process whose parent is a berth-monitor: the container's init or an exec'd process.
 * Everything here works from any Node process that can read the state dir.
 */
export class MonitoredProcess {
  readonly record: MonitoredRecord;

  constructor(record: MonitoredRecord) {
    this.record = record;
  }

  get pid(): number {
    return this.record.pid;
  }

  get stateDir(): string {
    return this.record.stateDir;
  }

  /** created (waiting to exec its program), running, or stopped. */
  async status(): Promise<ProcessStatus> {
    if (readExitStatusSync(this.stateDir)) return 'stopped';
    const { pid, pidStartTime } = this.record;
    // A zombie has exited: handed off, its reaper may not have collected it yet.
    if (isSameProcess(pid, pidStartTime) && !isZombie(pid)) {
      // Until it execs, the process is still the monitor's sealed copy.
      let exe = '';
      try {
        exe = readlinkSync(`/proc/${pid}/exe`);
      } catch {
        return 'running';
      }
      return exe.startsWith('/memfd:berth-monitor') ? 'created' : 'running';
    }
    return this.monitorAlive() ? 'running' : 'stopped';
  }

  /** The monitor is still there (a zombie waiting for its reaper does not count). */
  monitorAlive(): boolean {
    const { monitorPid, monitorStartTime } = this.record;
    return isSameProcess(monitorPid, monitorStartTime) && !isZombie(monitorPid);
  }

  /** Connects to the process's stdio (output from now on; earlier output is in the log). */
  attach(): Promise<Attachment> {
    return attachTo(join(this.stateDir, 'attach.sock'));
  }

  /** Lets the program run (execve). Resolves once it has. */
  async start(): Promise<void> {
    const attachment = await this.attach();
    try {
      await attachment.start();
    } finally {
      attachment.detach();
    }
  }

  /** Sends a signal to the process (pidfd: never to a later process with the same PID). */
  kill(signal: NodeJS.Signals | number = 'SIGTERM'): void {
    const { pid, pidStartTime } = this.record;
    let handle: Pidfd;
    try {
      handle = Pidfd.open(pid);
    } catch (err) {
      throw new LibcontainerError('ERR_CONTAINER_NOT_RUNNING', `process ${pid} is not running`, {
        cause: err,
      });
    }
    try {
      if (!isSameProcess(pid, pidStartTime))
        throw new LibcontainerError('ERR_CONTAINER_NOT_RUNNING', `process ${pid} is not running`);
      handle.signal(signal);
    } finally {
      handle.close();
    }
  }

  /** The exit status, once the process has exited; undefined before. */
  exitStatus(): Promise<ExitStatus | undefined> {
    return readExitStatus(this.stateDir);
  }

  /**
   * Waits for the process to exit and returns how it ended. Event-driven: a pidfd on the
   * monitor, which writes the status file before it exits.
   */
  async wait(): Promise<ExitStatus> {
    const done = await readExitStatus(this.stateDir);
    if (done) return done;
    await exited(this.record.monitorPid, this.record.monitorStartTime);
    // Handed off, the monitor leaves when the program starts: then the process itself is waited for.
    if (this.record.handOff) await exited(this.record.pid, this.record.pidStartTime);
    const status = await readExitStatus(this.stateDir);
    if (!status) {
      throw new LibcontainerError(
        'ERR_MONITOR_LOST',
        this.record.handOff
          ? `process ${this.pid} was handed off to its caller's reaper, which has its exit status`
          : `the monitor of process ${this.pid} ended without recording its exit status`,
        { path: this.stateDir },
      );
    }
    return status;
  }
}

/** Resolves once the process with this PID and start time has exited (at once if it has). */
async function exited(pid: number, startTime: number): Promise<void> {
  let handle: Pidfd | undefined;
  try {
    handle = Pidfd.open(pid);
  } catch {
    return; // already gone
  }
  try {
    // Opened first, checked second: the handle then surely refers to that process.
    if (isSameProcess(pid, startTime) && !isZombie(pid)) await handle.exited();
  } finally {
    handle.close();
  }
}
