import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type ExitStatus, isExecDriverError } from '@berth/exec-driver';
import { ApiError, badRequest, conflict, notModified } from '../api/api-error.js';
import type { Daemon } from '../daemon/daemon.js';
import { execLogOptions } from '../logging/exec-log-options.js';
import { effectiveLogConfig, type LogConfig, LogConfigError, logConfigOf } from '../logging/log-config.js';
import type { ContainerNetworkAttachment } from '../networks/network-service.js';
import { copyUpIntoVolume } from '../volumes/volume-copy-up.js';
import { commandOf, containerConfigFrom, endpointsFrom, hostConfigFrom } from './container-config.js';
import { anonymousDestinations, planMounts, type VolumeMounts, volumeNamesOf } from './container-mounts.js';
import { checkName, generateName } from './container-name.js';
import { attachNetwork } from './container-network.js';
import {
  type ContainerRecord,
  type ContainerState,
  initialState,
  isRunning,
  withStatus,
} from './container-record.js';
import { ContainerStore, nameConflict } from './container-store.js';
import { planUpdate, type UpdateRequest } from './container-update.js';
import type { CreateRequest } from './create-request.js';
import { ExecService } from './exec-service.js';
import { ExitWaiters } from './exit-waiters.js';
import { HealthMonitor } from './health-monitor.js';
import { KeyedLock } from './keyed-lock.js';
import { type PendingAttach, PendingAttaches } from './pending-attaches.js';
import { nextDelay, shouldRestart } from './restart-policy.js';
import { buildRuntimeSpec } from './runtime-spec.js';
import { settleAll } from './settle-all.js';
import { parseSignal } from './signal.js';
import { startFailure } from './start-failure.js';

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

const DEFAULT_STOP_TIMEOUT = 10;

/** Containers: records in SQLite, run by the exec driver on layers from the layer store. */
export class ContainerService {
  readonly store: ContainerStore;
  readonly execs: ExecService;
  readonly health: HealthMonitor;
  readonly #lock = new KeyedLock();
  /** rw layers this process mounted (after a daemon restart, running containers keep their own mount). */
  readonly #mounted = new Set<string>();
  /** Resolves once the current run's exit has been handled. */
  readonly #exitHandled = new Map<string, Promise<void>>();
  readonly #waiters = new ExitWaiters();
  readonly #pendingAttaches = new PendingAttaches();
  readonly #stopping = new Set<string>();
  readonly #removing = new Set<string>();
  readonly #restartTimers = new Map<string, NodeJS.Timeout>();
  readonly #lastDelay = new Map<string, number>();
  readonly #networkFiles = new Map<string, ContainerNetworkAttachment['files']>();
  /** Containers whose last run's runtime side was released without error (nothing to tear down again). */
  readonly #released = new Set<string>();
  #closed = false;

  constructor(readonly daemon: Daemon) {
    this.store = new ContainerStore(daemon.db);
    this.execs = new ExecService(daemon, this);
    this.health = new HealthMonitor({
      probe: (record, cmd, timeoutMs) => this.execs.probe(record, cmd, timeoutMs),
      current: (id) => this.store.get(id),
      save: (record, health) => this.#setState(record, { ...record.state, Health: health }),
      emit: (record, action) => this.emit(record, action),
    });
  }

  get containersRoot(): string {
    return join(this.daemon.config.dataRoot, 'containers');
  }

  volumeMountsOf(id: string): VolumeMounts {
    return { root: this.daemon.volumes.root, anonymous: this.daemon.volumes.anonymousOf(id) };
  }

  dirOf(id: string): string {
    return join(this.containersRoot, id);
  }

  logPathOf(id: string): string {
    return join(this.dirOf(id), `${id}-json.log`);
  }

  networkFilesOf(id: string): ContainerNetworkAttachment['files'] {
    return this.#networkFiles.get(id) ?? null;
  }

  /** Docker's event attributes for a container: its labels, image and name. */
  attributes(record: ContainerRecord, extra: Record<string, string> = {}): Record<string, string> {
    return { ...record.config.Labels, image: record.config.Image, name: record.name, ...extra };
  }

  emit(record: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    this.daemon.events.emit('container', action, record.id, this.attributes(record, extra));
  }

  #setState(record: ContainerRecord, state: ContainerState, restartCount?: number): void {
    record.state = state;
    if (restartCount !== undefined) record.restartCount = restartCount;
    this.store.updateState(record.id, state, restartCount);
  }

  // ---- create

  async create(name: string | null, request: CreateRequest): Promise<{ Id: string; Warnings: string[] }> {
    const wanted = name ? checkName(name) : null;
    if (wanted) {
      const holder = this.store.byName(wanted);
      if (holder) throw nameConflict(wanted, holder.id);
    }
    if (!request.Image) throw badRequest('Config.Image is required: no image specified');
    const image = this.daemon.images.resolve(request.Image);
    const imageConfig = await this.daemon.images.config(image.id);
    const id = randomBytes(32).toString('hex');
    const hostConfig = hostConfigFrom(request);
    // Bad binds are a 400 now, not at start.
    const named = volumeNamesOf(hostConfig, {});
    const config = containerConfigFrom(request, imageConfig, id);
    hostConfig.LogConfig = this.#logConfigFor(request);
    const anonymous = anonymousDestinations(hostConfig, config.Volumes);
    const record: ContainerRecord = {
      id,
      name: wanted ?? generateName((n) => this.store.byName(n) !== undefined),
      imageId: image.id,
      imageName: request.Image,
      created: new Date().toISOString(),
      config,
      hostConfig,
      networking: endpointsFrom(request),
      state: initialState(),
      restartCount: 0,
    };
    await mkdir(this.dirOf(id), { recursive: true, mode: 0o700 });
    try {
      // dockerd makes a container's volumes when it creates the container.
      this.daemon.db.transaction(() => {
        for (const name of named) this.daemon.volumes.ensure(name);
        this.store.insert(record);
        this.daemon.volumes.bindAnonymous(id, anonymous);
      })();
    } catch (err) {
      await rm(this.dirOf(id), { recursive: true, force: true });
      throw err;
    }
    this.emit(record, 'create');
    return { Id: id, Warnings: [] };
  }

  /** The log config the container gets: checked here, before anything of it exists. */
  #logConfigFor(request: CreateRequest): LogConfig {
    const requested = request.HostConfig?.LogConfig;
    try {
      return effectiveLogConfig(
        { Type: requested?.Type ?? '', Config: requested?.Config ?? {} },
        this.daemon.config.logConfig,
      );
    } catch (err) {
      throw err instanceof LogConfigError ? badRequest(err.message) : err;
    }
  }

  // ---- start

  async start(idOrName: string): Promise<void> {
    const { id } = this.store.resolve(idOrName);
    await this.#lock.run(id, async () => {
      const record = this.store.resolve(id);
      if (this.#removing.has(id)) throw conflict(`removal of container ${id} is already in progress`);
      if (record.state.Status === 'paused')
        throw conflict('cannot start a paused container, try unpause instead');
      if (record.state.Status === 'running') throw notModified();
      this.#cancelRestart(id);
      await this.#run(record);
    });
  }

  async #copyUpVolumes(record: ContainerRecord, rootfs: string): Promise<void> {
    for (const { point } of planMounts(record.hostConfig, this.volumeMountsOf(record.id))) {
      if (point.Type !== 'volume' || point.Mode.split(',').includes('nocopy')) continue;
      await mkdir(point.Source, { recursive: true, mode: 0o755 });
      await copyUpIntoVolume(rootfs, point.Destination, point.Source);
    }
  }

  /** Makes the container run: rw layer, network, runtime spec, exec driver. Undoes all of it on failure. */
  async #run(record: ContainerRecord): Promise<void> {
    const { id } = record;
    const driver = this.daemon.exec;
    const undo: Array<() => Promise<unknown>> = [];
    this.#released.delete(id);
    try {
      const image = this.daemon.images.get(record.imageId);
      if (!image) throw new ApiError(404, `No such image: ${record.imageName}`);
      undo.push(() => this.#unmount(id));
      undo.push(() => this.daemon.networks.detachContainer(id)); // idempotent: also undoes a partial attach
      // The sandbox and the rootfs do not depend on each other: both are made at once.
      const [rootfs, network, imageConfig] = await settleAll([
        this.#mountRootfs(id, image.topLayer),
        attachNetwork(this.daemon, record, this.dirOf(id)),
        this.daemon.images.config(record.imageId),
      ] as const);
      this.#networkFiles.set(id, network.files);
      await this.#copyUpVolumes(record, rootfs);
      const spec = await buildRuntimeSpec({
        record,
        image: imageConfig,
        rootfs,
        network,
        volumes: this.volumeMountsOf(id),
        init: { byDefault: this.daemon.config.init, path: this.daemon.config.initPath },
      });
      const created = await driver.create({
        id,
        bundle: this.dirOf(id),
        spec,
        logPath: this.logPathOf(id),
        ...execLogOptions(logConfigOf(record.hostConfig)),
        stdin: record.config.OpenStdin,
      });
      undo.push(() => driver.delete(id, { force: true }));
      await this.#pendingAttaches.connect(id, () => driver.attach(id));
      await driver.start(id);
      this.#setState(record, {
        ...withStatus(record.state, 'running'),
        Pid: created.pid ?? 0,
        ExitCode: 0,
        Error: '',
        OOMKilled: false,
        StartedAt: new Date().toISOString(),
        ManuallyStopped: false,
      });
      this.#watch(id);
      this.emit(record, 'start');
      this.health.start(record);
    } catch (err) {
      for (const step of undo.reverse()) await step().catch(() => undefined);
      this.#pendingAttaches.fail(id);
      const failure = startFailure(err, commandOf(record.config).path);
      if (this.store.get(id)) {
        this.#setState(record, { ...record.state, Error: failure.message, ExitCode: failure.exitCode });
        if (record.hostConfig.AutoRemove) await this.#destroy(record).catch(() => undefined);
      }
      throw failure.error;
    }
  }

  /** The container's rw layer (made on its first run), mounted. */
  async #mountRootfs(id: string, topLayer: string | null): Promise<string> {
    if (!this.daemon.layers.getRw(id)) await this.daemon.layers.createRw(id, topLayer);
    const rootfs = await this.daemon.layers.mountRw(id);
    this.#mounted.add(id);
    return rootfs;
  }

  async #unmount(id: string): Promise<void> {
    if (!this.#mounted.delete(id)) return;
    await this.daemon.layers.unmountRw(id);
  }

  // ---- attach before start

  /** Calls back with the container's stdio once a start creates it (undefined if the start fails); returns a cancel function. */
  awaitStart(id: string, callback: PendingAttach): () => void {
    return this.#pendingAttaches.add(id, callback);
  }

  // ---- exits

  #watch(id: string): void {
    const handled = this.daemon.exec.wait(id).then(
      (status) => this.#onExit(id, status),
      (err) =>
        this.#onExit(id, {
          exitCode: 255,
          signal: null,
          started: true,
          finishedAt: new Date().toISOString(),
          error: (err as Error).message,
        } as ExitStatus),
    );
    this.#exitHandled.set(
      id,
      handled.catch((err) => this.daemon.logger.error(`container ${id} exit: ${(err as Error).stack}`)),
    );
  }

  /** The exit of a run: record it, release what the run held, then remove or restart as asked. */
  async #onExit(id: string, status: ExitStatus & { error?: string }): Promise<void> {
    if (this.#closed) return;
    this.health.stop(id);
    const record = this.store.get(id);
    if (!record) return;
    let oomKilled = false;
    // Read before the exec driver removes the cgroup.
    await this.#teardown(id, async () => {
      try {
        oomKilled = (await this.daemon.exec.stats(id)).memory.oomKills > 0;
      } catch {
        // cgroup gone
      }
    });
    this.execs.containerExited(id);
    const startedAt = Date.parse(record.state.StartedAt);
    this.#setState(record, {
      ...withStatus(record.state, 'exited'),
      Pid: 0,
      ExitCode: status.exitCode,
      Error: status.error ?? '',
      OOMKilled: oomKilled,
      FinishedAt: status.finishedAt || new Date().toISOString(),
    });
    if (oomKilled) this.emit(record, 'oom');
    this.emit(record, 'die', { exitCode: String(status.exitCode) });
    this.#waiters.exited(id, status.exitCode);
    if (this.#removing.has(id)) return;
    if (record.hostConfig.AutoRemove) {
      // Not awaited: a stop or kill holding the container's lock is waiting for this exit to be recorded.
      void this.#lock
        .run(id, async () => {
          const current = this.store.get(id);
          if (current && !this.#removing.has(id)) await this.#destroy(current);
        })
        .catch((err) => this.daemon.logger.warn(`removing ${id}: ${(err as Error).message}`));
      return;
    }
    if (!this.#stopping.has(id) && shouldRestart(record, status.exitCode)) {
      const delay = nextDelay(this.#lastDelay.get(id), Date.now() - startedAt);
      this.#lastDelay.set(id, delay);
      this.#setState(record, withStatus(record.state, 'restarting'));
      this.#restartTimers.set(
        id,
        setTimeout(() => {
          this.#restartTimers.delete(id);
          void this.#lock
            .run(id, async () => {
              const current = this.store.get(id);
              if (!current || current.state.Status !== 'restarting' || this.#closed) return;
              current.restartCount += 1;
              this.#setState(current, current.state, current.restartCount);
              await this.#run(current);
            })
            .catch((err) => {
              const current = this.store.get(id);
              if (current) this.#setState(current, withStatus(current.state, 'exited'));
              this.daemon.logger.warn(`restarting ${id}: ${(err as Error).message}`);
            });
        }, delay),
      );
    }
  }

  /** Releases the runtime side of a stopped run: exec driver state, network, rootfs mount. */
  async #teardown(id: string, beforeDelete?: () => Promise<void>): Promise<void> {
    let clean = true;
    // The rootfs goes once no process can use it; the network is independent of both.
    const releaseRuntime = async () => {
      await beforeDelete?.();
      await this.daemon.exec.delete(id, { force: true }).catch((err) => {
        if (isExecDriverError(err) && err.code === 'ERR_CONTAINER_NOT_FOUND') return;
        clean = false;
        this.daemon.logger.warn(`delete ${id}: ${(err as Error).message}`);
      });
      await this.#unmount(id).catch((err) => {
        clean = false;
        this.daemon.logger.warn(`unmount ${id}: ${(err as Error).message}`);
      });
    };
    await Promise.all([
      releaseRuntime(),
      this.daemon.networks.detachContainer(id).catch(() => {
        clean = false;
      }),
    ]);
    if (clean) this.#released.add(id);
  }

  #cancelRestart(id: string): boolean {
    const timer = this.#restartTimers.get(id);
    if (!timer) return false;
    clearTimeout(timer);
    this.#restartTimers.delete(id);
    return true;
  }

  async #waitExitHandled(id: string): Promise<void> {
    await this.#exitHandled.get(id);
  }

  // ---- stop, kill, restart

  async stop(idOrName: string, options: { timeout?: number; signal?: string } = {}): Promise<void> {
    const { id } = this.store.resolve(idOrName);
    await this.#lock.run(id, () => this.#stop(id, options));
  }

  async #stop(id: string, options: { timeout?: number; signal?: string }): Promise<void> {
    const record = this.store.resolve(id);
    if (record.state.Status === 'restarting') {
      this.#cancelRestart(id);
      this.#setState(record, { ...withStatus(record.state, 'exited'), ManuallyStopped: true });
      this.emit(record, 'stop');
      return;
    }
    if (!isRunning(record)) throw notModified();
    const signal = options.signal
      ? parseSignal(options.signal)
      : parseSignal(record.config.StopSignal || 'SIGTERM');
    const timeout = options.timeout ?? record.config.StopTimeout ?? DEFAULT_STOP_TIMEOUT;
    this.#stopping.add(id);
    this.#setState(record, { ...record.state, ManuallyStopped: true });
    try {
      this.emit(record, 'kill', { signal: String(signal) });
      await this.daemon.exec.stop(id, { timeout: timeout < 0 ? 3600 * 24 : timeout, signal });
      await this.#waitExitHandled(id);
    } finally {
      this.#stopping.delete(id);
    }
    this.emit(this.store.get(id) ?? record, 'stop');
  }

  async kill(idOrName: string, signalName = 'SIGKILL'): Promise<void> {
    const { id } = this.store.resolve(idOrName);
    const signal = parseSignal(signalName);
    await this.#lock.run(id, async () => {
      const record = this.store.resolve(id);
      if (record.state.Status === 'restarting') {
        this.#cancelRestart(id);
        this.#setState(record, { ...withStatus(record.state, 'exited'), ManuallyStopped: true });
        return;
      }
      if (!isRunning(record)) throw conflict(`Container ${id} is not running`);
      this.#setState(record, { ...record.state, ManuallyStopped: true });
      this.emit(record, 'kill', { signal: String(signal) });
      if (record.state.Status === 'paused' && signal === 9)
        await this.daemon.exec.resume(id).catch(() => undefined);
      await this.daemon.exec.kill(id, signal);
      if (signal === 9) await this.#waitExitHandled(id);
    });
  }

  async restart(idOrName: string, options: { timeout?: number; signal?: string } = {}): Promise<void> {
    const { id } = this.store.resolve(idOrName);
    await this.#lock.run(id, async () => {
      const record = this.store.resolve(id);
      if (isRunning(record) || record.state.Status === 'restarting')
        await this.#stop(id, options).catch((err) => {
          if (!(err instanceof ApiError && err.status === 304)) throw err;
        });
      this.#cancelRestart(id);
      await this.#run(this.store.resolve(id));
      this.emit(record, 'restart');
    });
  }

  // ---- pause

  async pause(idOrName: string): Promise<void> {
    const { id } = this.store.resolve(idOrName);
    await this.#lock.run(id, async () => {
      const record = this.store.resolve(id);
      if (record.state.Status === 'paused') throw conflict(`Container ${id} is already paused`);
      if (record.state.Status !== 'running') throw conflict(`Container ${id} is not running`);
      await this.daemon.exec.pause(id);
      this.#setState(record, withStatus(record.state, 'paused'));
      this.emit(record, 'pause');
    });
  }

  async unpause(idOrName: string): Promise<void> {
    const { id } = this.store.resolve(idOrName);
    await this.#lock.run(id, async () => {
      const record = this.store.resolve(id);
      if (record.state.Status !== 'paused') throw conflict(`Container ${id} is not paused`);
      await this.daemon.exec.resume(id);
      this.#setState(record, withStatus(record.state, 'running'));
      this.emit(record, 'unpause');
    });
  }

  // ---- update, rename, remove, prune

  /** `docker update`: new limits and restart policy, applied at once to a running container. */
  async update(idOrName: string, request: UpdateRequest): Promise<{ Warnings: string[] }> {
    const { id } = this.store.resolve(idOrName);
    await this.#lock.run(id, async () => {
      const record = this.store.resolve(id);
      const { hostConfig, resources } = planUpdate(record.hostConfig, request);
      if (isRunning(record) && Object.keys(resources).length > 0) {
        try {
          await this.daemon.exec.update(id, resources);
        } catch (err) {
          throw badRequest(`Cannot update container ${id}: ${(err as Error).message}`);
        }
      }
      this.store.updateHostConfig(id, hostConfig);
      record.hostConfig = hostConfig;
      this.emit(record, 'update');
    });
    return { Warnings: [] };
  }

  async rename(idOrName: string, newName: string): Promise<void> {
    const { id } = this.store.resolve(idOrName);
    const name = checkName(newName);
    await this.#lock.run(id, async () => {
      const record = this.store.resolve(id);
      if (record.name === name)
        throw badRequest('Renaming a container with the same name as its current name');
      this.store.rename(id, name);
      const oldName = record.name;
      record.name = name;
      this.emit(record, 'rename', { oldName: `/${oldName}` });
    });
  }

  async remove(idOrName: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const { id } = this.store.resolve(idOrName);
    if (this.#removing.has(id)) throw conflict(`removal of container ${id} is already in progress`);
    const record = this.store.resolve(id);
    if ((isRunning(record) || record.state.Status === 'restarting') && !options.force)
      throw conflict(
        `You cannot remove a ${record.state.Status} container ${id}. Stop the container before attempting removal or force remove`,
      );
    this.#removing.add(id);
    try {
      this.#cancelRestart(id);
      if (isRunning(record)) {
        if (record.state.Status === 'paused') await this.daemon.exec.resume(id).catch(() => undefined);
        await this.daemon.exec.kill(id, 'SIGKILL').catch(() => undefined);
        await this.#waitExitHandled(id);
      }
      await this.#lock.run(id, async () => {
        const current = this.store.get(id);
        if (current) await this.#destroy(current, options.volumes || current.hostConfig.AutoRemove);
      });
    } finally {
      this.#removing.delete(id);
    }
  }

  /** Removes everything of a stopped container: runtime leftovers, rw layer, files, record. */
  async #destroy(record: ContainerRecord, removeVolumes = record.hostConfig.AutoRemove): Promise<void> {
    const { id } = record;
    const anonymous = Object.values(this.daemon.volumes.anonymousOf(id));
    this.#setState(record, withStatus(record.state, 'removing'));
    // After a clean exit teardown there is nothing left; otherwise (a crash, a failed start) try again.
    if (!this.#released.delete(id)) await this.#teardown(id);
    this.#released.delete(id);
    await Promise.all([
      this.daemon.layers.getRw(id) ? this.daemon.layers.removeRw(id) : undefined,
      rm(this.dirOf(id), { recursive: true, force: true }),
    ]);
    this.store.delete(id);
    // rm -v and --rm take the container's anonymous volumes with it; named ones stay.
    if (removeVolumes) this.daemon.volumes.removeAnonymous(anonymous);
    this.#networkFiles.delete(id);
    this.#lastDelay.delete(id);
    this.execs.containerRemoved(id);
    this.emit(record, 'destroy');
    this.#waiters.removed(id, record.state.ExitCode);
  }

  async prune(
    filter: (r: ContainerRecord) => boolean,
  ): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }> {
    const deleted: string[] = [];
    for (const record of this.store.list()) {
      if (isRunning(record) || record.state.Status === 'restarting' || !filter(record)) continue;
      await this.remove(record.id).then(
        () => deleted.push(record.id),
        () => undefined,
      );
    }
    if (deleted.length) this.daemon.events.emit('container', 'prune', '', { reclaimed: '0' });
    return { ContainersDeleted: deleted, SpaceReclaimed: 0 };
  }

  // ---- wait

  /** Docker's wait: resolves with the exit code when the condition is met; `signal` ends it early. */
  wait(idOrName: string, condition: WaitCondition, signal: AbortSignal): Promise<number> {
    let found = this.store.find(idOrName);
    if (!found) {
      const code = condition === 'removed' ? this.#waiters.removedCode(idOrName) : undefined;
      if (code !== undefined) return Promise.resolve(code);
      found = this.store.resolve(idOrName); // throws Docker's 404
    }
    const { id } = found;
    const running = isRunning(found) || found.state.Status === 'restarting';
    if (condition === 'removed') return this.#waiters.removal(id, signal);
    if (!running) {
      if (condition === 'not-running') return Promise.resolve(found.state.ExitCode);
      const late = this.#waiters.takeLateExit(id);
      if (late !== undefined) return Promise.resolve(late);
    }
    return this.#waiters.nextExit(id, signal);
  }

  // ---- daemon life

  /** On daemon start: re-find running containers, note exits that happened while it was down. */
  async recover(): Promise<void> {
    const driver = this.daemon.exec;
    const known = new Set<string>();
    for (const record of this.store.list()) {
      known.add(record.id);
      const status = record.state.Status;
      if (status === 'removing') {
        await this.#destroy(record).catch((err) => this.daemon.logger.warn(`remove ${record.id}: ${err}`));
        continue;
      }
      if (status === 'running' || status === 'paused' || status === 'restarting') {
        let state: Awaited<ReturnType<typeof driver.state>> | undefined;
        try {
          state = await driver.state(record.id);
        } catch {
          state = undefined;
        }
        if (state && (state.status === 'running' || state.status === 'paused')) {
          this.#setState(record, { ...withStatus(record.state, state.status), Pid: state.pid ?? 0 });
          const files = this.daemon.network.containerFiles(record.id);
          if (files) this.#networkFiles.set(record.id, files);
          this.#watch(record.id);
          this.health.start(record, { resume: true });
          continue;
        }
        let exit: ExitStatus;
        try {
          // Made but never started (the daemon died in between): its process would wait for ever.
          if (state && state.status !== 'stopped') throw new Error(`container left ${state.status}`);
          exit = await driver.wait(record.id);
        } catch {
          // No runtime state: a restart was pending (its exit is already recorded), or the state is lost.
          const pending = status === 'restarting';
          exit = {
            exitCode: pending ? record.state.ExitCode : 255,
            signal: null,
            started: true,
            finishedAt: pending ? record.state.FinishedAt : new Date().toISOString(),
          };
        }
        // Its run ended while the daemon was away: the same handling as a live exit (restart policy too).
        await this.#onExit(record.id, exit);
        continue;
      }
      const policy = record.hostConfig.RestartPolicy.Name;
      if (policy === 'always' || (policy === 'unless-stopped' && !record.state.ManuallyStopped)) {
        await this.#lock
          .run(record.id, () => this.#run(record))
          .catch((err) => this.daemon.logger.warn(`restart ${record.id}: ${(err as Error).message}`));
      }
    }
    // Runtime state nothing refers to (a crash between create and record): gone.
    for (const info of await driver.list().catch(() => [])) {
      if (!known.has(info.id)) await driver.delete(info.id, { force: true }).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.health.close();
    for (const timer of this.#restartTimers.values()) clearTimeout(timer);
    this.#restartTimers.clear();
  }
}
