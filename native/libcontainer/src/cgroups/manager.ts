import type { OomWatch } from './oom.js';
import type { LinuxResources } from './resources.js';
import type { CgroupStats } from './stats.js';

export type FreezerState = 'frozen' | 'thawed';

export interface WaitOptions {
  /** Upper bound on the wait; ERR_CGROUP after it. Default 10 s. */
  timeoutMs?: number;
}

export interface RemoveOptions extends WaitOptions {
  /** SIGKILL every process in the cgroup and below, and wait for them to exit, before rmdir. */
  kill?: boolean;
}

/**
 * A container's cgroup, on v1 (one directory per hierarchy) or v2 (one directory). File
 * operations are synchronous (cgroupfs answers from memory); waits return promises.
 */
export interface CgroupManager {
  readonly version: 1 | 2;
  /** The normalized cgroups path, e.g. `/berth/<id>`. */
  readonly path: string;
  /** Every directory this cgroup is made of (record them before create() for crash cleanup). */
  readonly directories: readonly string[];

  /** Makes the directories (missing parents too) and applies resources. Idempotent; on failure removes what it made. */
  create(resources?: LinuxResources): void;
  /** Applies resources to the existing cgroup. */
  update(resources: LinuxResources): void;
  /**
   * The contract with the container monitor: a process joins this cgroup by having its PID
   * written, as decimal text in one write(2), into every one of these files, in this order,
   * before it runs the user's command; a failed write is fatal for that process. Order does
   * not matter. One file on v2; on v1 one per hierarchy (and the hybrid unified one).
   */
  procsFiles(): string[];
  /** Moves a process (all its threads) into the cgroup, writing every procsFiles() entry. */
  addProcess(pid: number): void;
  /** Every process in the cgroup and the cgroups below it, ascending. */
  pids(): number[];

  freeze(options?: WaitOptions): Promise<void>;
  thaw(options?: WaitOptions): Promise<void>;
  state(): FreezerState;

  stats(): CgroupStats;
  /** Processes the kernel has OOM-killed in this cgroup so far. */
  oomKillCount(): number;
  /**
   * Calls back when the OOM killer strikes (v2). On v1 this throws ERR_CGROUP: the v1
   * notification needs an eventfd (cgroup.event_control), which Node cannot make; compare
   * oomKillCount() before start and after exit instead.
   */
  watchOom(callback: (oomKills: number) => void): OomWatch;

  /** rmdir of the cgroup and every cgroup below it (not its parents). Idempotent. */
  remove(options?: RemoveOptions): Promise<void>;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
