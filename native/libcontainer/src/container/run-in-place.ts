import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { callNative, LibcontainerError } from '../errors.js';
import { monitorPath, nativeAddon } from '../native.js';
import type { ContainerRecord } from './container-record.js';
import { monitorCreateArgs, prepareStateDir } from './create-container.js';
import type { RuntimeSpec } from './runtime-spec.js';

export interface RunInPlaceOptions {
  id: string;
  /** Where container state dirs live, e.g. `/run/berth/runtime`. */
  stateRoot: string;
  /** The bundle directory; `root.path` is relative to it. */
  bundle: string;
  /** The runtime spec. `process.terminal` is not supported here (nothing relays a terminal). */
  spec: RuntimeSpec;
  /** cgroup.procs files the container joins before it starts (a CgroupManager's procsFiles()). */
  cgroupProcs?: string[];
  /** Where the container's PID is written once it exists. */
  pidFile?: string;
  /**
   * cgroup directories removed once the container has exited (what is still in them is
   * killed first), and after a failed set-up. Usually the CgroupManager's `directories`.
   */
  cleanupCgroups?: string[];
  /** Further directories removed then, with their contents (the state dir always is). */
  cleanupTrees?: string[];
  /** Leave the stopped container (state dir, cgroups) for a later delete. */
  keep?: boolean;
  /** Set-up errors are also appended here, as runc's `--log` (JSON lines or logfmt text). */
  errorLog?: { path: string; format: 'json' | 'text' };
}

interface ExecNative {
  execReplace(path: string, args: string[], sealed: boolean): never;
}

/**
 * Runs a container in place of this process, as `runc run` does in one process: this process
 * becomes the container's monitor (execve, same PID), the container gets this process's stdio
 * as it is, starts at once and receives the signals this process gets; when it has exited,
 * its cgroups and state are removed and the process ends the way the container's did (exit
 * code, or the same signal). Set-up errors are printed on stderr, with exit code 1. Nothing
 * after this call runs: for command-line tools whose last step it is.
 */
export function runContainerInPlace(options: RunInPlaceOptions): never {
  if (options.spec.process?.terminal)
    throw new LibcontainerError(
      'ERR_SPEC_INVALID',
      'process.terminal: a terminal needs a relay; create the container with createContainer',
      { path: 'process.terminal' },
    );
  const prepared = prepareStateDir(options);
  const { stateDir } = prepared;
  try {
    // The monitor adds the PIDs and start times (its own too: it keeps this process's PID).
    const record: Omit<ContainerRecord, 'pid' | 'pidStartTime' | 'monitorPid' | 'monitorStartTime'> = {
      id: options.id,
      bundle: prepared.bundle,
      rootfs: prepared.rootfs,
      stateDir,
      created: new Date().toISOString(),
      terminal: false,
      cgroupProcs: options.cgroupProcs ?? [],
      annotations: options.spec.annotations ?? {},
    };
    const recordTemplate = join(stateDir, 'state.template.json');
    writeFileSync(recordTemplate, JSON.stringify(record));
    const args = monitorCreateArgs(options, prepared);
    args.push('--foreground', '--record', recordTemplate);
    if (options.pidFile) args.push('--pid-file', resolve(options.pidFile));
    for (const dir of options.cleanupCgroups ?? []) args.push('--cleanup-cgroup', dir);
    for (const dir of [stateDir, ...(options.cleanupTrees ?? [])]) args.push('--cleanup-tree', resolve(dir));
    if (options.keep) args.push('--keep');
    if (options.errorLog)
      args.push('--error-log', resolve(options.errorLog.path), '--error-log-format', options.errorLog.format);
    // From a sealed copy made here: the monitor then need not copy and re-execute itself.
    return callNative(() => nativeAddon<ExecNative>().execReplace(monitorPath(), args, true));
  } catch (err) {
    rmSync(stateDir, { recursive: true, force: true });
    throw err;
  }
}
