import { existsSync, readdirSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type Attachment,
  type CgroupLayout,
  type CgroupManager,
  type CgroupStats,
  type Container,
  createContainer,
  detectCgroups,
  type ExitStatus,
  isLibcontainerError,
  type LinuxResources,
  listContainers,
  loadContainer,
  type MonitoredProcess,
  openCgroup,
  runContainerInPlace,
} from '@berth/libcontainer';
import { match } from 'ts-pattern';
import { ExecDriverError, wrapError } from '../errors.js';
import { defaultDeviceRules, STOP_SIGNAL_ANNOTATION } from '../image/defaults.js';
import type { ContainerStatus, Process, Resources, Spec, State } from '../spec/types.js';
import { OCI_VERSION } from '../spec/types.js';
import { validateProcess, validateSpec } from '../spec/validate.js';
import { containerCgroupPath } from './cgroup-path.js';
import { type ContainerEvent, watchEvents } from './events.js';
import { runHooks } from './hooks.js';
import { type LogEntry, type LogOptions, readLogs } from './logs.js';
import {
  claimRecord,
  type DriverRecord,
  driverDir,
  readRecord,
  removeRecord,
  writeRecord,
} from './record.js';
import { settleAll } from './settle-all.js';
import { stateName } from './state-name.js';
import { withoutUnsetSections } from './unset-resources.js';

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Non-standard process field the berth-monitor reads: send the pty master over this Unix socket. */
export const CONSOLE_SOCKET_FIELD = 'berthConsoleSocket';

export interface ExecDriverOptions {
  /** Where containers' state lives. Default `/run/berth/runtime`. */
  root?: string;
  /** cgroup parent for containers without `linux.cgroupsPath`. Default `berth`. */
  cgroupParent?: string;
  /** Where cgroup hierarchies are mounted. Default `/sys/fs/cgroup`. */
  cgroupRoot?: string;
}

export interface CreateOptions {
  id: string;
  /** The bundle directory (config.json and, usually, rootfs/). */
  bundle: string;
  /** The spec; read from `<bundle>/config.json` when omitted. Validated either way. */
  spec?: Spec;
  /** Docker json-file log of the container's output. Default `<root>/.driver/<id>/json.log`. */
  logPath?: string;
  /**
   * Rotate that log as json-file's `max-size`/`max-file` do (`<logPath>.1` … `.maxFiles-1`);
   * `logs()` and `readLogFile` read the rotated files too.
   */
  logRotation?: { maxSize: number; maxFiles?: number };
  /** Keep no log at all (Docker's `none` log driver): output goes to attached clients only. */
  noLog?: boolean;
  /** Keep stdin open for an attached client. */
  stdin?: boolean;
  /** With `process.terminal`: send the pty master to this Unix socket (runc's --console-socket). */
  consoleSocket?: string;
  /**
   * For an engine that reaps the container itself (containerd's shim, conmon): the container
   * gets this process's stdio as it is, and once started it is reparented to the engine's
   * reaper, which collects its exit status. No log, no attach; `wait()` cannot tell the status.
   */
  handOff?: boolean;
}

export interface RunInPlaceOptions {
  id: string;
  /** The bundle directory (config.json and, usually, rootfs/). */
  bundle: string;
  /** The spec; read from `<bundle>/config.json` when omitted. Validated either way. */
  spec?: Spec;
  /** Where the container's PID is written once it exists. */
  pidFile?: string;
  /** Leave the stopped container for a later `delete` instead of removing it at its exit. */
  keep?: boolean;
  /** Set-up errors are also appended here once this process has become the monitor (runc's --log). */
  errorLog?: { path: string; format: 'json' | 'text' };
}

export interface ExecOptions {
  stdin?: boolean;
  consoleSocket?: string;
  /** As CreateOptions.handOff: the process is the engine's to reap once started. */
  handOff?: boolean;
}

export interface StopOptions {
  /** Seconds to wait after the stop signal before SIGKILL. Default 10. */
  timeout?: number;
  /** Default: the container's stop signal (annotation), else SIGTERM. */
  signal?: NodeJS.Signals | number;
}

/** A container as `list()` shows it. */
export interface ContainerInfo extends State {
  created: string;
  rootfs?: string;
}

function withoutMknod(caps: Process['capabilities']): Process['capabilities'] {
  if (!caps) return caps;
  const drop = (set: string[] | undefined) => set?.filter((c) => c !== 'CAP_MKNOD');
  return {
    ...caps,
    bounding: drop(caps.bounding),
    effective: drop(caps.effective),
    permitted: drop(caps.permitted),
    inheritable: drop(caps.inheritable),
    ambient: drop(caps.ambient),
  };
}

/**
 * Runs containers from OCI runtime specs on @berth/libcontainer. Containers outlive the
 * process that made them: every method works from state under `root`, so a new driver on the
 * same root finds the containers an earlier one made.
 */
export class ExecDriver {
  readonly root: string;
  private readonly cgroupParent: string;
  private readonly cgroupRoot: string | undefined;

  constructor(options: ExecDriverOptions = {}) {
    this.root = resolve(options.root ?? '/run/berth/runtime');
    this.cgroupParent = options.cgroupParent ?? 'berth';
    this.cgroupRoot = options.cgroupRoot;
  }

  /** The host's cgroup mounts, found once: they do not change while a driver lives. */
  private layout: CgroupLayout | undefined;

  private cgroup(path: string): CgroupManager {
    this.layout ??= detectCgroups(this.cgroupRoot);
    return openCgroup(path, { layout: this.layout });
  }

  /**
   * Removes the driver's cgroup parent (e.g. `berth`) if no container is left in it. Like
   * Docker's `/docker`, the parent otherwise stays between containers: making and removing it
   * for each one costs a short-lived container ~2 ms on cgroup v1 and races with a create
   * beside it. Call it when shutting down.
   */
  async removeCgroupParent(): Promise<void> {
    const manager = this.cgroup(`/${this.cgroupParent.replace(/^\/+|\/+$/g, '')}`);
    const hasChildren = manager.directories.some(
      (dir) => existsSync(dir) && readdirSync(dir, { withFileTypes: true }).some((e) => e.isDirectory()),
    );
    if (hasChildren || manager.pids().length > 0) return;
    await manager.remove().catch(() => undefined);
  }

  private checkId(id: string): void {
    if (typeof id !== 'string' || !ID.test(id))
      throw new ExecDriverError('ERR_INVALID_ARGUMENT', `${JSON.stringify(id)} is not a valid container ID`, {
        field: 'id',
      });
  }

  /**
   * Creates a container: validates the spec, makes its cgroup with `linux.resources`, has
   * libcontainer set it up (its process waits for `start`), runs createRuntime/prestart hooks.
   * On any failure nothing is left behind: no state, no cgroup, no process.
   */
  async create(options: CreateOptions): Promise<State> {
    const { spec, bundle, record } = await this.admit(options);
    let manager: CgroupManager | undefined;
    let container: Container | undefined;
    try {
      manager = this.cgroup(record.cgroupPath);
      manager.create(this.resourcesFor(manager, spec));
      const process = this.processFor(manager, spec);
      if (options.consoleSocket) {
        if (!process.terminal)
          throw new ExecDriverError('ERR_INVALID_ARGUMENT', '--console-socket needs process.terminal', {
            field: 'process.terminal',
          });
        process[CONSOLE_SOCKET_FIELD] = resolve(options.consoleSocket);
      }
      container = await createContainer({
        id: stateName(options.id, this.root),
        stateRoot: this.root,
        bundle,
        spec: { ...spec, process } as never,
        logPath: options.noLog ? undefined : record.logPath,
        logRotation: options.logRotation,
        stdin: options.stdin,
        cgroupProcs: manager.procsFiles(),
        handOff: options.handOff,
      });
      record.complete = true;
      await writeRecord(this.root, record);
      // Just made and waiting for start: its state needs no second look at the disk.
      const state: ContainerInfo = {
        ociVersion: OCI_VERSION,
        id: options.id,
        status: 'created',
        bundle,
        created: container.record.created,
        rootfs: container.record.rootfs,
        annotations: container.record.annotations,
        pid: container.pid,
      };
      await runHooks('createRuntime', spec.hooks?.createRuntime, state);
      await runHooks('prestart', spec.hooks?.prestart, state);
      return state;
    } catch (err) {
      await container?.delete({ force: true }).catch(() => undefined);
      await manager?.remove({ kill: true }).catch(() => undefined);
      await removeRecord(this.root, options.id);
      throw wrapError(err, 'ERR_CONTAINER_START_FAILED');
    }
  }

  /**
   * Runs a container in place of this process, as `runc run` does (libcontainer's
   * runContainerInPlace): this process becomes the container's monitor, the container gets
   * its stdio and signals, and when it has exited its cgroup, state and record are removed and
   * the process ends as the container did. For a command-line tool's last step: nothing after
   * it runs. A spec with hooks or a terminal is refused (create and start it instead).
   */
  async runInPlace(options: RunInPlaceOptions): Promise<never> {
    const { spec, bundle, record } = await this.admit(options);
    let manager: CgroupManager | undefined;
    try {
      const hook = (['createRuntime', 'prestart', 'poststart', 'poststop'] as const).find(
        (h) => spec.hooks?.[h]?.length,
      );
      if (hook || spec.process?.terminal)
        throw new ExecDriverError(
          'ERR_INVALID_ARGUMENT',
          hook ? `${hook} hooks need create and start` : 'a terminal needs create and start',
          { field: hook ? `hooks.${hook}` : 'process.terminal' },
        );
      manager = this.cgroup(record.cgroupPath);
      manager.create(this.resourcesFor(manager, spec));
      return runContainerInPlace({
        id: stateName(options.id, this.root),
        stateRoot: this.root,
        bundle,
        spec: { ...spec, process: this.processFor(manager, spec) } as never,
        cgroupProcs: manager.procsFiles(),
        pidFile: options.pidFile,
        cleanupCgroups: [...manager.directories],
        cleanupTrees: [driverDir(this.root, options.id)],
        keep: options.keep,
        errorLog: options.errorLog,
      });
    } catch (err) {
      await manager?.remove({ kill: true }).catch(() => undefined);
      await removeRecord(this.root, options.id);
      throw wrapError(err, 'ERR_CONTAINER_START_FAILED');
    }
  }

  /** Checks the id and the spec, and takes the id with a record of the container (complete: false). */
  private async admit(options: {
    id: string;
    bundle: string;
    spec?: Spec;
    logPath?: string;
  }): Promise<{ spec: Spec; bundle: string; record: DriverRecord }> {
    this.checkId(options.id);
    const bundle = resolve(options.bundle);
    let raw: unknown = options.spec;
    if (raw === undefined) {
      let text: string;
      try {
        text = await readFile(join(bundle, 'config.json'), 'utf8');
      } catch (err) {
        throw new ExecDriverError('ERR_SPEC_INVALID', `cannot read ${join(bundle, 'config.json')}`, {
          cause: err,
        });
      }
      try {
        raw = JSON.parse(text);
      } catch (err) {
        throw new ExecDriverError(
          'ERR_SPEC_INVALID',
          `config.json is not valid JSON: ${(err as Error).message}`,
          {
            field: '',
          },
        );
      }
    }
    const spec = validateSpec(raw, { bundle });
    if (spec.hooks?.createContainer?.length || spec.hooks?.startContainer?.length)
      throw new ExecDriverError(
        'ERR_SPEC_INVALID',
        'createContainer and startContainer hooks are not supported',
        {
          field: spec.hooks.createContainer?.length ? 'hooks.createContainer' : 'hooks.startContainer',
        },
      );
    if (this.exists(options.id))
      throw new ExecDriverError('ERR_CONTAINER_EXISTS', `container ${options.id} already exists`);

    const record: DriverRecord = {
      id: options.id,
      bundle,
      cgroupPath: containerCgroupPath(options.id, spec.linux?.cgroupsPath, this.cgroupParent),
      created: new Date().toISOString(),
      logPath: resolve(options.logPath ?? join(driverDir(this.root, options.id), 'json.log')),
      stopSignal: spec.annotations?.[STOP_SIGNAL_ANNOTATION],
      annotations: spec.annotations ?? {},
      complete: false,
      poststart: spec.hooks?.poststart ?? [],
      poststop: spec.hooks?.poststop,
    };
    if (!(await claimRecord(this.root, options.id)))
      throw new ExecDriverError('ERR_CONTAINER_EXISTS', `container ${options.id} already exists`);
    await writeRecord(this.root, record);
    return { spec, bundle, record };
  }

  /** The spec's process as the container gets it under this cgroup manager. */
  private processFor(manager: CgroupManager, spec: Spec): Process & Record<string, unknown> {
    const process: Process & Record<string, unknown> = { ...spec.process! };
    // cgroup v2 enforces device rules only through eBPF, which Berth does not load yet:
    // without CAP_MKNOD the container cannot make the device nodes those rules would deny.
    if (manager.version === 2 && spec.linux?.resources?.devices?.length)
      process.capabilities = withoutMknod(process.capabilities);
    return process;
  }

  /** linux.resources for the cgroup manager; v2 cannot enforce device rules without eBPF, so they are left out there. */
  private resourcesFor(manager: CgroupManager, spec: Spec): LinuxResources {
    const r = withoutUnsetSections((spec.linux?.resources ?? {}) as LinuxResources);
    if (manager.version === 2) delete r.devices;
    else if (r.devices?.length) {
      // After the spec's rules, the devices every container needs and those the spec creates,
      // unless the spec has its own rule for one (`--device …:r` stays read-only).
      const specRules = r.devices;
      const typeOf = (d: { type: string }) => (d.type === 'b' ? 'b' : 'c');
      const ruled = (d: { type: string; major?: number; minor?: number }) =>
        specRules.some((x) => x.allow && x.type === typeOf(d) && x.major === d.major && x.minor === d.minor);
      r.devices = [
        ...specRules,
        ...defaultDeviceRules().filter((d) => d.allow),
        ...(spec.linux?.devices ?? [])
          .filter((d) => !ruled(d))
          .map((d) => ({ allow: true, type: typeOf(d), major: d.major, minor: d.minor, access: 'rwm' })),
      ];
    }
    return r;
  }

  /** A record or a libcontainer state dir (complete or not) holds the id. */
  private exists(id: string): boolean {
    return existsSync(driverDir(this.root, id)) || existsSync(join(this.root, stateName(id, this.root)));
  }

  private async load(id: string): Promise<{ container?: Container; record?: DriverRecord }> {
    this.checkId(id);
    const record = await readRecord(this.root, id);
    let container: Container | undefined;
    try {
      container = await loadContainer(this.root, stateName(id, this.root));
    } catch {
      container = undefined;
    }
    if (!record && !container)
      throw new ExecDriverError('ERR_CONTAINER_NOT_FOUND', `container ${id} does not exist`);
    return { container, record };
  }

  /** The libcontainer Container of a created container (its monitor, pid, state dir). */
  async container(id: string): Promise<Container> {
    return (await this.loadContainer(id)).container;
  }

  private async loadContainer(id: string): Promise<{ container: Container; record?: DriverRecord }> {
    const { container, record } = await this.load(id);
    if (!container)
      throw new ExecDriverError('ERR_CONTAINER_NOT_FOUND', `container ${id} is still being created`);
    return { container, record };
  }

  private async status(
    container: Container | undefined,
    record: DriverRecord | undefined,
  ): Promise<ContainerStatus> {
    if (!container) return 'creating';
    let s = await container.status();
    // Between the monitor's "started" and the execve the process still looks created.
    if (s === 'created' && record?.started) s = 'running';
    if (s === 'running' && record && this.frozen(record)) return 'paused';
    return s;
  }

  private frozen(record: DriverRecord): boolean {
    try {
      return this.cgroup(record.cgroupPath).state() === 'frozen';
    } catch {
      return false;
    }
  }

  /** The OCI state: status creating / created / running / paused / stopped, pid, bundle, annotations. */
  async state(id: string): Promise<ContainerInfo> {
    const { container, record } = await this.load(id);
    const status = await this.status(container, record);
    const c = container?.record;
    const state: ContainerInfo = {
      ociVersion: OCI_VERSION,
      id,
      status,
      bundle: c?.bundle ?? record?.bundle ?? '',
      created: c?.created ?? record?.created ?? '',
      rootfs: c?.rootfs,
      annotations: c?.annotations ?? record?.annotations ?? {},
    };
    if (container && status !== 'stopped') state.pid = container.pid;
    else state.pid = 0;
    return state;
  }

  /** Every container under the root (and records of ones whose creation did not finish). */
  async list(): Promise<ContainerInfo[]> {
    const ids = new Set<string>();
    try {
      for (const id of await readdir(join(this.root, '.driver'))) ids.add(id);
    } catch {
      // no records yet
    }
    // Containers made by libcontainer directly (no driver record) are listed under their own names.
    const named = new Set([...ids].map((id) => stateName(id, this.root)));
    for (const c of await listContainers(this.root)) if (!named.has(c.id)) ids.add(c.id);
    const out: ContainerInfo[] = [];
    for (const id of [...ids].sort()) {
      try {
        out.push(await this.state(id));
      } catch {
        // removed meanwhile
      }
    }
    return out;
  }

  /** created → running: the container's process execs its program; poststart hooks run. */
  async start(id: string): Promise<void> {
    const { container, record } = await this.loadContainer(id);
    const status = await this.status(container, record);
    if (status !== 'created')
      throw new ExecDriverError('ERR_CONTAINER_NOT_CREATED', `container ${id} is ${status}, not created`);
    try {
      await container.start();
    } catch (err) {
      throw wrapError(err, 'ERR_CONTAINER_START_FAILED');
    }
    if (record) await writeRecord(this.root, { ...record, started: true });
    // Records written before poststart was kept in them: the hooks are in the spec.
    const poststart = record?.poststart ?? (await this.spec(container))?.hooks?.poststart;
    if (poststart?.length)
      await runHooks('poststart', poststart, await this.state(id)).catch(() => undefined);
  }

  private async spec(container: Container): Promise<Spec | undefined> {
    try {
      return JSON.parse(await readFile(join(container.stateDir, 'config.json'), 'utf8')) as Spec;
    } catch {
      return undefined;
    }
  }

  /** Sends a signal to the container's init (or, with `all`, to every process in its cgroup). */
  async kill(
    id: string,
    signal: NodeJS.Signals | number = 'SIGTERM',
    options: { all?: boolean } = {},
  ): Promise<void> {
    const { container, record } = await this.loadContainer(id);
    const status = await this.status(container, record);
    if (status === 'stopped')
      throw new ExecDriverError('ERR_CONTAINER_NOT_RUNNING', `container ${id} is not running`);
    try {
      if (options.all && record) {
        for (const pid of this.cgroup(record.cgroupPath).pids()) {
          try {
            process.kill(pid, signal);
          } catch {
            // exited meanwhile
          }
        }
      } else {
        container.kill(signal);
      }
    } catch (err) {
      throw wrapError(err);
    }
  }

  /** Waits for the container's init to exit (event-driven) and returns how it ended. */
  async wait(id: string): Promise<ExitStatus> {
    const { container } = await this.loadContainer(id);
    try {
      return await container.wait();
    } catch (err) {
      throw wrapError(err);
    }
  }

  /**
   * Stops a container: its stop signal (the StopSignal annotation, else SIGTERM), then
   * SIGKILL if it has not exited after `timeout` seconds. A paused container is thawed so it
   * can handle the signal. Resolves with the exit status.
   */
  async stop(id: string, options: StopOptions = {}): Promise<ExitStatus> {
    const { container, record } = await this.loadContainer(id);
    const status = await this.status(container, record);
    if (status === 'stopped') return container.wait();
    const signal = options.signal ?? (record?.stopSignal as NodeJS.Signals | undefined) ?? 'SIGTERM';
    const timeoutMs = (options.timeout ?? 10) * 1000;
    const send = (sig: NodeJS.Signals | number) => {
      try {
        container.kill(sig);
      } catch (err) {
        if (!isLibcontainerError(err, 'ERR_CONTAINER_NOT_RUNNING')) throw wrapError(err);
      }
    };
    if (status === 'created') {
      send('SIGKILL');
    } else {
      send(/^\d+$/.test(String(signal)) ? Number(signal) : signal);
      if (status === 'paused') await this.resume(id);
    }
    const exited = container.wait();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      send('SIGKILL');
      if (status === 'paused' && record && this.frozen(record)) await this.resume(id);
    }
    return exited;
  }

  /**
   * Removes a stopped container: its state, its cgroup and its driver record; runs poststop
   * hooks. A running (or paused) one is refused unless `force`, which SIGKILLs it first.
   */
  async delete(id: string, options: { force?: boolean } = {}): Promise<void> {
    const { container, record } = await this.load(id);
    const status = await this.status(container, record);
    if (status !== 'stopped' && status !== 'creating' && !options.force)
      throw new ExecDriverError('ERR_CONTAINER_RUNNING', `container ${id} is ${status}; stop it or force`);
    const manager = record ? this.cgroup(record.cgroupPath) : undefined;
    const removeState = async () => {
      if (!container) return;
      if (status === 'paused') {
        try {
          container.kill('SIGKILL');
        } catch {
          // gone
        }
        await manager?.thaw().catch(() => undefined);
      }
      try {
        await container.delete({ force: options.force });
      } catch (err) {
        throw wrapError(err);
      }
    };
    const removeCgroup = async () => {
      if (!manager) return;
      try {
        await manager.remove({ kill: true });
      } catch (err) {
        throw wrapError(err, 'ERR_CGROUP');
      }
    };
    // A stopped container's state dir and its cgroup are independent: both go at once. A live
    // one is killed and waited for through its monitor before its cgroup goes.
    if (status === 'stopped') await settleAll([removeState(), removeCgroup()]);
    else {
      await removeState();
      await removeCgroup();
    }
    if (record?.poststop?.length) {
      await runHooks('poststop', record.poststop, {
        ociVersion: OCI_VERSION,
        id,
        status: 'stopped',
        bundle: record.bundle,
        annotations: record.annotations,
      }).catch(() => undefined);
    }
    await removeRecord(this.root, id);
  }

  /**
   * Runs another process in a running container (its namespaces, cgroup and seccomp
   * profile). Attach to the result, then `start()` it; `wait()` gives its exit status.
   */
  async exec(id: string, process: Process, options: ExecOptions = {}): Promise<MonitoredProcess> {
    validateProcess(process);
    const { container, record } = await this.loadContainer(id);
    const status = await this.status(container, record);
    if (status === 'paused') throw new ExecDriverError('ERR_CONTAINER_PAUSED', `container ${id} is paused`);
    if (status !== 'running')
      throw new ExecDriverError('ERR_CONTAINER_NOT_RUNNING', `container ${id} is ${status}`);
    const proc: Process & Record<string, unknown> = { ...process };
    if (options.consoleSocket) {
      if (!proc.terminal)
        throw new ExecDriverError('ERR_INVALID_ARGUMENT', '--console-socket needs a terminal', {
          field: 'terminal',
        });
      proc[CONSOLE_SOCKET_FIELD] = resolve(options.consoleSocket);
    }
    try {
      return await container.exec(proc as never, { stdin: options.stdin, handOff: options.handOff });
    } catch (err) {
      throw wrapError(err, 'ERR_CONTAINER_START_FAILED');
    }
  }

  /** Freezes every process of the container (cgroup freezer). */
  async pause(id: string): Promise<void> {
    const { container, record } = await this.loadContainer(id);
    const status = await this.status(container, record);
    if (status !== 'running')
      throw new ExecDriverError('ERR_CONTAINER_NOT_RUNNING', `container ${id} is ${status}`);
    try {
      await this.cgroup(record!.cgroupPath).freeze();
    } catch (err) {
      throw wrapError(err, 'ERR_CGROUP');
    }
  }

  /** Thaws a paused container. */
  async resume(id: string): Promise<void> {
    const { record } = await this.loadContainer(id);
    if (!record) throw new ExecDriverError('ERR_CONTAINER_NOT_FOUND', `container ${id} has no cgroup record`);
    try {
      await this.cgroup(record.cgroupPath).thaw();
    } catch (err) {
      throw wrapError(err, 'ERR_CGROUP');
    }
  }

  /** cgroup statistics: memory, cpu, pids. */
  async stats(id: string): Promise<CgroupStats> {
    const { record } = await this.loadContainer(id);
    if (!record) throw new ExecDriverError('ERR_CONTAINER_NOT_FOUND', `container ${id} has no cgroup record`);
    try {
      return this.cgroup(record.cgroupPath).stats();
    } catch (err) {
      throw wrapError(err, 'ERR_CGROUP');
    }
  }

  /**
   * Changes a running container's resource limits (`runc update`, `docker update`): the given
   * sections of OCI `linux.resources` are written to its cgroup, the rest stay as they are.
   */
  async update(id: string, resources: Resources): Promise<void> {
    const { record } = await this.loadContainer(id);
    if (!record) throw new ExecDriverError('ERR_CONTAINER_NOT_FOUND', `container ${id} has no cgroup record`);
    try {
      this.cgroup(record.cgroupPath).update(withoutUnsetSections(resources as LinuxResources));
    } catch (err) {
      throw wrapError(err, 'ERR_CGROUP');
    }
  }

  /** PIDs (host view) of every process in the container's cgroup. */
  async pids(id: string): Promise<number[]> {
    const { record } = await this.loadContainer(id);
    if (!record) return [];
    try {
      return this.cgroup(record.cgroupPath).pids();
    } catch (err) {
      throw wrapError(err, 'ERR_CGROUP');
    }
  }

  /** Connects to the container's stdio (output from now on; the log has what came before). */
  async attach(id: string): Promise<Attachment> {
    const { container } = await this.loadContainer(id);
    try {
      return await container.attach();
    } catch (err) {
      throw wrapError(err, 'ERR_CONTAINER_NOT_RUNNING');
    }
  }

  /** The container's json-file log: entries so far, and with `follow` new ones until it exits. */
  async *logs(id: string, options: LogOptions = {}): AsyncGenerator<LogEntry> {
    const { container, record } = await this.loadContainer(id);
    const path = record?.logPath ?? container.record.logPath;
    if (!path) return;
    yield* readLogs(path, options, () => container.wait());
  }

  /** Events of one container: `oom` (cgroup v2 as they happen; v1 at exit) and `exit`, then the iterator ends. */
  async *events(id: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<ContainerEvent> {
    const { container, record } = await this.loadContainer(id);
    const manager = record ? this.cgroup(record.cgroupPath) : undefined;
    yield* watchEvents(id, container, manager, options.signal);
  }

  /** Describes a status for messages. */
  static describe(status: ContainerStatus): string {
    return match(status)
      .with('creating', () => 'being created')
      .with('created', () => 'created, not started')
      .with('running', () => 'running')
      .with('paused', () => 'paused')
      .with('stopped', () => 'stopped')
      .exhaustive();
  }
}
