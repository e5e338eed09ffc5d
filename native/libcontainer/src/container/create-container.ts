import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { LibcontainerError } from '../errors.js';
import { Container } from './container.js';
import { readContainerRecord, writeContainerRecord } from './container-record.js';
import { processStartTime } from './process-identity.js';
import type { RuntimeSpec } from './runtime-spec.js';
import { seccompCacheDir } from './seccomp-cache.js';
import { spawnMonitor } from './spawn-monitor.js';
import { validateContainerId, validateSpec } from './validate-spec.js';

export interface CreateContainerOptions {
  id: string;
  /** Where container state dirs live, e.g. `/run/berth/runtime`. */
  stateRoot: string;
  /** The bundle directory; `root.path` is relative to it. */
  bundle: string;
  /** The runtime spec (config.json). Read from `<bundle>/config.json` when omitted. */
  spec?: RuntimeSpec;
  /** Docker json-file log of the container's output. */
  logPath?: string;
  /**
   * Rotation of that log, as json-file's `max-size`/`max-file`: past `maxSize` bytes it becomes
   * `<logPath>.1` (older ones `.2` … up to `maxFiles - 1`) and a new file starts; with one
   * file it is emptied instead.
   */
  logRotation?: { maxSize: number; maxFiles?: number };
  /** Keep stdin open for an attached client (otherwise /dev/null). */
  stdin?: boolean;
  /** cgroup.procs files the container joins before it starts (a CgroupManager's procsFiles()). */
  cgroupProcs?: string[];
  /**
   * Hand the container to the caller's reaper, as runc does under containerd's shim or conmon:
   * its init gets this process's stdio as it is (no log, no attach), and the monitor leaves once
   * the program has started, so the init is reparented to that reaper, which collects its exit.
   */
  handOff?: boolean;
}

/**
 * Creates a container as OCI runtimes do: namespaces, rootfs, credentials and the rest
 * are set up, and its init waits before exec'ing the program until `start()`. Its parent
 * is a berth-monitor that outlives this process. On failure nothing is left behind.
 */
export async function createContainer(options: CreateContainerOptions): Promise<Container> {
  const spec: RuntimeSpec =
    options.spec ??
    (JSON.parse(
      await readFile(join(resolve(options.bundle), 'config.json'), 'utf8').catch(() => '{}'),
    ) as RuntimeSpec);
  const prepared = prepareStateDir({ ...options, spec });
  const { bundle, rootfs, stateDir } = prepared;
  try {
    const args = monitorCreateArgs(options, prepared);
    if (options.handOff) args.push('--hand-off');
    else {
      if (options.logPath) {
        args.push('--log', resolve(options.logPath));
        const rotation = options.logRotation;
        if (rotation && rotation.maxSize > 0)
          args.push(
            '--log-max-size',
            String(Math.floor(rotation.maxSize)),
            '--log-max-files',
            String(Math.max(1, Math.floor(rotation.maxFiles ?? 1))),
          );
      }
      if (options.stdin) args.push('--stdin');
    }
    // With a terminal the container's stdio is the pty: the monitor keeps none of the caller's
    // (containerd's shim reads the command's output to its end before it starts the container).
    const inheritStdio = options.handOff === true && spec.process.terminal !== true;
    const started = await spawnMonitor(args, stateDir, { inheritStdio });
    const container = new Container({
      id: options.id,
      bundle,
      rootfs,
      stateDir,
      pid: started.pid,
      pidStartTime: processStartTime(started.pid) ?? 0,
      monitorPid: started.monitorPid,
      monitorStartTime: processStartTime(started.monitorPid) ?? 0,
      created: new Date().toISOString(),
      logPath: options.logPath && !options.handOff ? resolve(options.logPath) : undefined,
      ...(options.handOff ? { handOff: true } : {}),
      terminal: spec.process.terminal === true,
      cgroupProcs: options.cgroupProcs ?? [],
      annotations: spec.annotations ?? {},
    });
    await writeContainerRecord(container.record);
    return container;
  } catch (err) {
    await rm(stateDir, { recursive: true, force: true });
    throw err;
  }
}

export interface PreparedContainer {
  bundle: string;
  rootfs: string;
  stateDir: string;
  configPath: string;
}

/** Validates the spec and makes the container's state dir with the spec in it; taken ids are refused. */
export function prepareStateDir(options: {
  id: string;
  stateRoot: string;
  bundle: string;
  spec: RuntimeSpec;
}): PreparedContainer {
  validateContainerId(options.id);
  const bundle = resolve(options.bundle);
  const rootfs = validateSpec(options.spec, bundle);
  // Sync: small calls on the state root (a tmpfs, usually) cost less than thread-pool trips.
  mkdirSync(options.stateRoot, { recursive: true, mode: 0o700 });
  const stateDir = join(resolve(options.stateRoot), options.id);
  try {
    mkdirSync(stateDir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new LibcontainerError('ERR_CONTAINER_EXISTS', `container ${options.id} already exists`, {
        path: stateDir,
      });
    }
    throw err;
  }
  const configPath = join(stateDir, 'config.json');
  try {
    writeFileSync(configPath, JSON.stringify(options.spec));
  } catch (err) {
    rmSync(stateDir, { recursive: true, force: true });
    throw err;
  }
  return { bundle, rootfs, stateDir, configPath };
}

/** The monitor's `create` arguments every mode shares. */
export function monitorCreateArgs(
  options: { stateRoot: string; cgroupProcs?: string[] },
  prepared: PreparedContainer,
): string[] {
  const args = [
    'create',
    '--state',
    prepared.stateDir,
    '--bundle',
    prepared.bundle,
    '--config',
    prepared.configPath,
  ];
  for (const f of options.cgroupProcs ?? []) args.push('--cgroup-procs', f);
  args.push('--seccomp-cache', seccompCacheDir(resolve(options.stateRoot)));
  return args;
}

/** A container created earlier, by this or another process. */
export async function loadContainer(stateRoot: string, id: string): Promise<Container> {
  validateContainerId(id);
  try {
    return new Container(await readContainerRecord(join(resolve(stateRoot), id)));
  } catch (err) {
    throw new LibcontainerError('ERR_CONTAINER_NOT_FOUND', `no container ${id} in ${stateRoot}`, {
      cause: err,
    });
  }
}

/** Every container with a state dir under `stateRoot`. */
export async function listContainers(stateRoot: string): Promise<Container[]> {
  const out: Container[] = [];
  for (const id of await readdir(stateRoot).catch(() => [] as string[])) {
    try {
      out.push(await loadContainer(stateRoot, id));
    } catch {
      // a dir that is not (or not yet) a container
    }
  }
  return out;
}
