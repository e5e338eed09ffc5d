import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LibcontainerError } from '../errors.js';
import type { CgroupLayout } from './detect.js';
import { makeDirs, undoDirs } from './dirs.js';
import {
  cgroupTree,
  delay,
  parsePids,
  readCgroupFile,
  readOptional,
  removeCgroupDir,
  removeIfEmpty,
  writeCgroupFile,
} from './files.js';
import { killHandles, openHandles, waitHandles } from './kill.js';
import {
  type CgroupManager,
  DEFAULT_TIMEOUT_MS,
  type FreezerState,
  type RemoveOptions,
  type WaitOptions,
} from './manager.js';
import { oomKillsV1 } from './oom.js';
import { type LinuxResources, planV1 } from './resources.js';
import { readStatsV1 } from './stats.js';

interface Hierarchy {
  dir: string;
  mountPoint: string;
  controllers: string[];
}

/**
 * cgroup v1 (and hybrid hosts): the same relative path in every mounted hierarchy, named ones
 * (name=systemd) included, as runc does, so the container's /proc/self/cgroup and its cgroup
 * namespace show its own cgroup everywhere. On hybrid hosts the cgroup2 mount gets the path too.
 */
export class CgroupV1 implements CgroupManager {
  readonly version = 1 as const;
  readonly path: string;
  readonly directories: readonly string[];
  private readonly hierarchies: Hierarchy[];

  constructor(
    private readonly layout: CgroupLayout,
    path: string,
  ) {
    this.path = path;
    const v1 = layout.v1.map((h) => ({ ...h, dir: join(h.mountPoint, path) }));
    const unified = layout.unified && { ...layout.unified, dir: join(layout.unified.mountPoint, path) };
    this.hierarchies = unified ? [...v1, unified] : v1;
    this.directories = this.hierarchies.map((h) => h.dir);
  }

  private dirOf(controller: string): string {
    const h = this.hierarchies.find((x) => this.isV1(x) && x.controllers.includes(controller));
    if (!h) {
      throw new LibcontainerError(
        'ERR_CGROUP',
        `cgroup v1 controller ${controller} is not mounted under ${this.layout.root}`,
        {
          path: this.layout.root,
        },
      );
    }
    return h.dir;
  }

  private isV1(h: Hierarchy): boolean {
    return h.mountPoint !== this.layout.unified?.mountPoint;
  }

  private has(controller: string): boolean {
    return this.layout.v1.some((h) => h.controllers.includes(controller));
  }

  create(resources?: LinuxResources): void {
    const made: string[] = [];
    try {
      for (const h of this.hierarchies) {
        // A new v1 cpuset is empty and refuses processes (ENOSPC): give each level its parent's.
        const prepare = this.isV1(h) && h.controllers.includes('cpuset') ? inheritCpuset : undefined;
        made.push(...makeDirs(h.mountPoint, this.path, prepare));
      }
      if (resources) this.update(resources);
    } catch (err) {
      undoDirs(made);
      throw err;
    }
  }

  update(resources: LinuxResources): void {
    const writes = planV1(resources, {
      exists: (c, f) => existsSync(join(this.dirOf(c), f)),
      read: (c, f) => readCgroupFile(join(this.dirOf(c), f)),
    });
    // Runs of writes to one file (a device rule list) go through one open.
    for (let i = 0; i < writes.length; ) {
      const { controller, file } = writes[i]!;
      const values: string[] = [];
      for (; i < writes.length && writes[i]!.controller === controller && writes[i]!.file === file; i++)
        values.push(writes[i]!.value);
      writeCgroupFile(join(this.dirOf(controller), file), values);
    }
  }

  procsFiles(): string[] {
    return this.directories.map((d) => join(d, 'cgroup.procs'));
  }

  addProcess(pid: number): void {
    for (const f of this.procsFiles()) writeCgroupFile(f, String(pid));
  }

  pids(): number[] {
    const all = new Set<number>();
    for (const h of this.hierarchies) {
      for (const d of cgroupTree(h.dir))
        for (const p of parsePids(readOptional(join(d, 'cgroup.procs')) ?? '')) all.add(p);
    }
    return [...all].sort((a, b) => a - b);
  }

  /**
   * v1 freezer has no change notification (no inotify on freezer.state, no eventfd), so this
   * is the one place that re-checks on a short, growing timer, bounded by timeoutMs. FROZEN is
   * written again on every round: a v1 freeze can stall in FREEZING when a task was busy, and a
   * fresh write retries it (runc does the same).
   */
  async freeze(options: WaitOptions = {}): Promise<void> {
    const file = join(this.dirOf('freezer'), 'freezer.state');
    const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
      writeCgroupFile(file, 'FROZEN');
      if (readCgroupFile(file).trim() === 'FROZEN') return;
      if (Date.now() > deadline) {
        writeCgroupFile(file, 'THAWED');
        throw new LibcontainerError(
          'ERR_CGROUP',
          `${file} did not reach FROZEN within ${options.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`,
          {
            path: file,
          },
        );
      }
      await delay(wait);
    }
  }

  /** THAWED takes effect in the write itself (the kernel wakes every task before returning). */
  async thaw(): Promise<void> {
    const file = join(this.dirOf('freezer'), 'freezer.state');
    writeCgroupFile(file, 'THAWED');
    const state = readCgroupFile(file).trim();
    if (state !== 'THAWED') {
      // Still frozen through a frozen parent (freezer.parent_freezing), which is not ours to thaw.
      throw new LibcontainerError(
        'ERR_CGROUP',
        `${file} reads ${state} after THAWED (a parent cgroup is frozen?)`,
        { path: file },
      );
    }
  }

  state(): FreezerState {
    if (!this.has('freezer')) return 'thawed';
    return readCgroupFile(join(this.dirOf('freezer'), 'freezer.state')).trim() === 'FROZEN'
      ? 'frozen'
      : 'thawed';
  }

  stats() {
    const at = (c: string, f: string) => join(this.dirOf(c), f);
    return readStatsV1(
      { read: (c, f) => readCgroupFile(at(c, f)), optional: (c, f) => readOptional(at(c, f)) },
      this.oomKillCount(),
    );
  }

  oomKillCount(): number {
    return oomKillsV1(this.dirOf('memory'));
  }

  watchOom(): never {
    throw new LibcontainerError(
      'ERR_CGROUP',
      'OOM events need an eventfd on cgroup v1 (memory.oom_control via cgroup.event_control); compare oomKillCount() before start and after exit',
    );
  }

  async remove(options: RemoveOptions = {}): Promise<void> {
    if (removeIfEmpty(this.directories)) return;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    // Rounds, because a process that was outside the freezer cgroup could still fork.
    for (let round = 0; options.kill && round < 3; round++) {
      const pids = this.pids();
      if (pids.length === 0) break;
      // Frozen, the processes cannot fork or exit, so the PIDs we read stay theirs until the
      // handles are open. A frozen v1 task does not die of SIGKILL until thawed.
      const freezer = this.has('freezer') && existsSync(this.dirOf('freezer'));
      if (freezer) await this.freeze({ timeoutMs });
      const handles = openHandles(pids);
      killHandles(handles);
      if (freezer) await this.thaw();
      await waitHandles(handles, timeoutMs, this.path);
    }
    const left = this.pids();
    if (left.length > 0) {
      throw new LibcontainerError(
        'ERR_CGROUP',
        `cgroup ${this.path} still has processes ${left.join(', ')}; remove({ kill: true }) kills them`,
      );
    }
    for (const h of this.hierarchies) for (const d of cgroupTree(h.dir)) removeCgroupDir(d);
  }
}

function inheritCpuset(dir: string, parent: string): void {
  for (const file of ['cpuset.cpus', 'cpuset.mems']) {
    if (readCgroupFile(join(dir, file)).trim() === '')
      writeCgroupFile(join(dir, file), readCgroupFile(join(parent, file)).trim());
  }
}
