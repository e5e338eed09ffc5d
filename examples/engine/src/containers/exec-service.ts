import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import {
  type Attachment,
  computeCapabilities,
  DEFAULT_PATH,
  type MonitoredProcess,
  type Process,
  resolveUser,
} from '@berth/exec-driver';
import { ApiError, conflict, notFound } from '../api/api-error.js';
import { frame } from '../api/hijack.js';
import type { Daemon } from '../daemon/daemon.js';
import { mergeEnv } from './container-config.js';
import type { ContainerRecord } from './container-record.js';
import type { ContainerService } from './container-service.js';
import { commandFailure } from './start-failure.js';
import { bridgeStdio, parseDetachKeys } from './stdio-bridge.js';

/** What `POST /containers/{id}/exec` asks for. */
export interface ExecConfig {
  User: string;
  Privileged: boolean;
  Tty: boolean;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  DetachKeys: string;
  Env: string[];
  WorkingDir: string;
  Cmd: string[];
}

/** One exec instance; like dockerd, they live in memory only. */
interface ExecInstance {
  id: string;
  containerId: string;
  config: ExecConfig;
  running: boolean;
  started: boolean;
  exitCode: number | null;
  pid: number;
  process?: MonitoredProcess;
  attachment?: Attachment;
  size?: { h: number; w: number };
}

/** `docker exec`: extra processes in running containers. */
export class ExecService {
  readonly #execs = new Map<string, ExecInstance>();

  constructor(
    readonly daemon: Daemon,
    readonly containers: ContainerService,
  ) {}

  #action(exec: ExecInstance, verb: string): string {
    return `${verb}: ${exec.config.Cmd.join(' ')}`;
  }

  #emit(record: ContainerRecord, exec: ExecInstance, verb: string, extra: Record<string, string> = {}) {
    this.containers.emit(record, this.#action(exec, verb), { execID: exec.id, ...extra });
  }

  #runningContainer(idOrName: string): ContainerRecord {
    const record = this.containers.store.resolve(idOrName);
    if (record.state.Status === 'paused')
      throw conflict(`Container ${record.id} is paused, unpause the container before exec`);
    if (record.state.Status !== 'running') throw conflict(`Container ${record.id} is not running`);
    return record;
  }

  create(idOrName: string, config: ExecConfig): { Id: string } {
    const record = this.#runningContainer(idOrName);
    const exec: ExecInstance = {
      id: randomBytes(32).toString('hex'),
      containerId: record.id,
      config,
      running: false,
      started: false,
      exitCode: null,
      pid: 0,
    };
    this.#execs.set(exec.id, exec);
    this.#emit(record, exec, 'exec_create');
    return { Id: exec.id };
  }

  get(id: string): ExecInstance {
    const exec = this.#execs.get(id);
    if (!exec) throw notFound(`No such exec instance: ${id}`);
    return exec;
  }

  idsOf(containerId: string): string[] {
    return [...this.#execs.values()].filter((e) => e.containerId === containerId).map((e) => e.id);
  }

  inspect(id: string) {
    const exec = this.get(id);
    const [entrypoint = '', ...args] = exec.config.Cmd;
    return {
      ID: exec.id,
      Running: exec.running,
      ExitCode: exec.exitCode,
      ProcessConfig: {
        tty: exec.config.Tty,
        entrypoint,
        arguments: args,
        privileged: exec.config.Privileged,
        ...(exec.config.User ? { user: exec.config.User } : {}),
      },
      OpenStdin: exec.config.AttachStdin,
      OpenStderr: exec.config.AttachStderr,
      OpenStdout: exec.config.AttachStdout,
      CanRemove: false,
      ContainerID: exec.containerId,
      DetachKeys: exec.config.DetachKeys,
      Pid: exec.pid,
    };
  }

  /** The OCI process for an exec: the container's environment, user and capabilities, with the exec's changes. */
  #process(record: ContainerRecord, exec: ExecInstance): Process {
    const c = exec.config;
    const user = resolveUser(`/proc/${record.state.Pid}/root`, c.User || record.config.User || undefined);
    let env = mergeEnv([`PATH=${DEFAULT_PATH}`, `HOSTNAME=${record.config.Hostname}`], record.config.Env);
    if (c.Tty) env = mergeEnv(env, ['TERM=xterm']);
    env = mergeEnv(env, c.Env);
    if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${user.home}`);
    const caps = computeCapabilities({
      privileged: record.hostConfig.Privileged || c.Privileged,
      capAdd: record.hostConfig.CapAdd ?? [],
      capDrop: record.hostConfig.CapDrop ?? [],
    });
    return {
      terminal: c.Tty,
      user: {
        uid: user.uid,
        gid: user.gid,
        ...(user.additionalGids.length ? { additionalGids: user.additionalGids } : {}),
      },
      args: c.Cmd,
      env,
      cwd: c.WorkingDir || record.config.WorkingDir || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      noNewPrivileges: false,
    };
  }

  /**
   * Starts an exec. Detached: returns once it runs. Attached: `hijack` takes the connection over
   * (after every check, so failures are still plain HTTP errors) and the promise ends with the process.
   */
  async start(id: string, options: { detach: boolean; tty?: boolean }, hijack: () => Duplex): Promise<void> {
    const exec = this.get(id);
    if (exec.started) throw conflict(`Exec command ${id} is already running`);
    const record = this.#runningContainer(exec.containerId);
    exec.started = true;
    let proc: MonitoredProcess;
    try {
      proc = await this.daemon.exec.exec(record.id, this.#process(record, exec), {
        stdin: exec.config.AttachStdin && !options.detach,
      });
    } catch (err) {
      const failure = execFailure(err, exec.config.Cmd[0] ?? '');
      if (!failure || options.detach) {
        exec.started = false;
        throw err;
      }
      // As dockerd: once the client is waiting on the stream, the failure goes there and into the exit code.
      exec.exitCode = failure.exitCode;
      const socket = hijack();
      const text = Buffer.from(`${failure.message}\r\n`);
      socket.end(exec.config.Tty ? text : frame(1, text));
      return;
    }
    exec.process = proc;
    exec.pid = proc.pid;
    const exited = proc.wait().then(
      (status) => status.exitCode,
      () => 126,
    );
    if (options.detach) {
      await proc.start();
      this.#running(record, exec, exited);
      return;
    }
    const attachment = await proc.attach();
    exec.attachment = attachment;
    if (exec.size) attachment.resize(exec.size.h, exec.size.w);
    const socket = hijack();
    const bridged = bridgeStdio(socket, attachment, {
      tty: exec.config.Tty,
      stdin: exec.config.AttachStdin,
      stdout: exec.config.AttachStdout,
      stderr: exec.config.AttachStderr,
      closeStdin: true,
      detachKeys: exec.config.Tty && exec.config.AttachStdin ? parseDetachKeys(exec.config.DetachKeys) : null,
    });
    try {
      await attachment.start();
    } catch (err) {
      exec.exitCode = 126;
      socket.end(exec.config.Tty ? `${(err as Error).message}\r\n` : undefined);
      return;
    }
    const done = this.#running(record, exec, exited);
    const how = await bridged;
    // The exit code is recorded before the stream ends: the CLI inspects the exec right after.
    if (how === 'exited') await done;
    if (!socket.destroyed) socket.end();
  }

  #running(record: ContainerRecord, exec: ExecInstance, exited: Promise<number>): Promise<void> {
    exec.running = true;
    this.#emit(record, exec, 'exec_start');
    return exited.then((code) => {
      exec.running = false;
      exec.exitCode = code;
      exec.attachment = undefined;
      this.containers.emit(record, 'exec_die', { execID: exec.id, exitCode: String(code) });
    });
  }

  /**
   * A healthcheck probe: `cmd` in the container as its own user, environment and working dir, no
   * exec record; the first 4 KiB of its output kept (as dockerd), killed after `timeoutMs`.
   */
  async probe(
    record: ContainerRecord,
    cmd: string[],
    timeoutMs: number,
  ): Promise<{ exitCode: number; output: string }> {
    const config: ExecConfig = {
      User: '',
      Privileged: false,
      Tty: false,
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      DetachKeys: '',
      Env: [],
      WorkingDir: '',
      Cmd: cmd,
    };
    const probe = {
      id: '',
      containerId: record.id,
      config,
      running: true,
      started: true,
      exitCode: null,
      pid: 0,
    };
    const proc = await this.daemon.exec.exec(record.id, this.#process(record, probe), { stdin: false });
    const attachment = await proc.attach();
    const chunks: Buffer[] = [];
    let size = 0;
    const keep = (d: Buffer) => {
      if (size < 4096) chunks.push(d.subarray(0, 4096 - size));
      size += d.length;
    };
    attachment.stdout.on('data', keep);
    attachment.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill('SIGKILL');
    }, timeoutMs);
    try {
      await attachment.start();
      const status = (await attachment.exit) ?? (await proc.wait());
      if (timedOut) return { exitCode: -1, output: `Health check exceeded timeout (${timeoutMs / 1000}s)` };
      return { exitCode: status.exitCode, output: Buffer.concat(chunks).toString('utf8') };
    } finally {
      clearTimeout(timer);
    }
  }

  resize(id: string, h: number, w: number): void {
    const exec = this.get(id);
    exec.size = { h, w };
    exec.attachment?.resize(h, w);
  }

  /** The container stopped: its execs are gone with it. */
  containerExited(containerId: string): void {
    for (const exec of this.#execs.values())
      if (exec.containerId === containerId && exec.running) exec.running = false;
  }

  containerRemoved(containerId: string): void {
    for (const [id, exec] of this.#execs) if (exec.containerId === containerId) this.#execs.delete(id);
  }
}

/** An exec whose command cannot run, as dockerd words it, with its exit code. */
function execFailure(err: unknown, command: string): { message: string; exitCode: number } | undefined {
  if (err instanceof ApiError) return undefined;
  const failure = commandFailure((err as Error).message ?? '', command);
  if (!failure) return undefined;
  return {
    message: `OCI runtime exec failed: exec failed: unable to start container process: ${failure.reason}: unknown`,
    exitCode: failure.exitCode,
  };
}
