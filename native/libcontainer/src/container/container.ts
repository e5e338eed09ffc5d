import { rmSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LibcontainerError } from '../errors.js';
import type { ContainerRecord } from './container-record.js';
import { MonitoredProcess, type ProcessStatus } from './monitored-process.js';
import { processStartTime } from './process-identity.js';
import type { RuntimeProcess } from './runtime-spec.js';
import { seccompCacheDir } from './seccomp-cache.js';
import { spawnMonitor } from './spawn-monitor.js';
import { validateProcess } from './validate-spec.js';

export interface ExecOptions {
  /** Keep stdin open for an attached client (otherwise /dev/null). */
  stdin?: boolean;
  /** cgroup.procs files to join (usually the container's). */
  cgroupProcs?: string[];
  /** Hand the process to the caller's reaper once started, with this process's stdio (see createContainer). */
  handOff?: boolean;
}

/** A container: its init process under a monitor, plus what its state dir records. */
export class Container extends MonitoredProcess {
  override readonly record: ContainerRecord;

  constructor(record: ContainerRecord) {
    super(record);
    this.record = record;
  }

  get id(): string {
    return this.record.id;
  }

  /**
   * Runs another process inside the running container: it joins the container's
   * namespaces and cgroup in the monitor's helper, then waits to be started (attach first
   * to see its output). The container's seccomp profile applies to it.
   */
  async exec(process: RuntimeProcess, options: ExecOptions = {}): Promise<MonitoredProcess> {
    validateProcess(process);
    if ((await this.status()) !== 'running') {
      throw new LibcontainerError('ERR_CONTAINER_NOT_RUNNING', `container ${this.id} is not running`);
    }
    const execRoot = join(this.stateDir, 'exec');
    await mkdir(execRoot, { recursive: true });
    const n = (await readdir(execRoot)).length;
    const stateDir = join(execRoot, `${Date.now().toString(36)}-${n}`);
    await mkdir(stateDir);
    const processFile = join(stateDir, 'process.json');
    await writeFile(processFile, JSON.stringify(process));
    const args = ['exec', '--state', stateDir, '--target-pid', String(this.pid), '--process', processFile];
    args.push('--config', join(this.stateDir, 'config.json'));
    if (options.handOff) args.push('--hand-off');
    else if (options.stdin) args.push('--stdin');
    for (const f of options.cgroupProcs ?? this.record.cgroupProcs) args.push('--cgroup-procs', f);
    args.push('--seccomp-cache', seccompCacheDir(dirname(this.stateDir)));
    try {
      const inheritStdio = options.handOff === true && process.terminal !== true;
      const started = await spawnMonitor(args, stateDir, { inheritStdio });
      return new MonitoredProcess({
        stateDir,
        pid: started.pid,
        pidStartTime: processStartTime(started.pid) ?? 0,
        monitorPid: started.monitorPid,
        monitorStartTime: processStartTime(started.monitorPid) ?? 0,
        ...(options.handOff ? { handOff: true } : {}),
      });
    } catch (err) {
      await rm(stateDir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Removes the container's state. A container that has not stopped is refused unless
   * `force`, which kills it (SIGKILL) and waits for its monitor to record the exit first.
   */
  async delete(options: { force?: boolean } = {}): Promise<void> {
    const status: ProcessStatus = await this.status();
    if (status !== 'stopped') {
      if (!options.force)
        throw new LibcontainerError(
          'ERR_CONTAINER_RUNNING',
          `container ${this.id} is ${status}; stop it or force`,
        );
      try {
        this.kill('SIGKILL');
      } catch (err) {
        if (!(err instanceof LibcontainerError) || err.code !== 'ERR_CONTAINER_NOT_RUNNING') throw err;
      }
      await this.wait().catch(() => undefined);
    }
    // Sync: a handful of small files; the promise version walks them through the thread pool.
    rmSync(this.stateDir, { recursive: true, force: true });
  }
}
