import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LibcontainerError } from '../errors.js';
import { makeDirs, undoDirs } from './dirs.js';
import {
  cgroupTree,
  parseFlatKeyed,
  parsePids,
  readCgroupFile,
  readOptional,
  removeCgroupDir,
  waitForFile,
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
import { type OomWatch, oomKillsV2, watchOomV2 } from './oom.js';
import { type LinuxResources, planV2 } from './resources.js';
import { readStatsV2 } from './stats.js';

/** Controllers a container cgroup gets when its parents offer them. */
const WANTED = ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc'];

/** cgroup v2: one directory in the unified hierarchy mounted at `mountPoint`. */
export class CgroupV2 implements CgroupManager {
  readonly version = 2 as const;
  readonly path: string;
  readonly directories: readonly string[];
  private readonly dir: string;

  constructor(
    private readonly mountPoint: string,
    path: string,
  ) {
    this.path = path;
    this.dir = join(mountPoint, path);
    this.directories = [this.dir];
  }

  private file(name: string): string {
    return join(this.dir, name);
  }

  private events(): Map<string, number> {
    return parseFlatKeyed(readCgroupFile(this.file('cgroup.events')));
  }

  create(resources?: LinuxResources): void {
    // A level's controllers exist in a child only once the level lists them in its
    // cgroup.subtree_control, so each parent enables them before the child is made.
    const made = makeDirs(this.mountPoint, this.path, (_dir, parent) => enableControllers(parent));
    try {
      if (resources) this.update(resources);
    } catch (err) {
      undoDirs(made);
      throw err;
    }
  }

  update(resources: LinuxResources): void {
    const writes = planV2(resources, {
      exists: (_c, f) => existsSync(this.file(f)),
      read: (_c, f) => readCgroupFile(this.file(f)),
    });
    for (const w of writes) {
      if (!existsSync(this.file(w.file))) {
        throw new LibcontainerError(
          'ERR_CGROUP',
          `cannot write ${JSON.stringify(w.value)} to ${this.file(w.file)}: the ${w.controller} controller is not enabled here (see ${join(dirname(this.dir), 'cgroup.subtree_control')})`,
          { path: this.file(w.file), errnoCode: 'ENOENT' },
        );
      }
      writeCgroupFile(this.file(w.file), w.value);
    }
  }

  procsFiles(): string[] {
    return [this.file('cgroup.procs')];
  }

  addProcess(pid: number): void {
    writeCgroupFile(this.file('cgroup.procs'), String(pid));
  }

  pids(): number[] {
    const all = cgroupTree(this.dir).flatMap((d) => parsePids(readOptional(join(d, 'cgroup.procs')) ?? ''));
    return [...new Set(all)].sort((a, b) => a - b);
  }

  /** cgroup.events raises inotify on change, so the wait for `frozen 1` is an event, not a poll. */
  async freeze(options: WaitOptions = {}): Promise<void> {
    writeCgroupFile(this.file('cgroup.freeze'), '1');
    await waitForFile(
      this.file('cgroup.events'),
      () => this.events().get('frozen') === 1,
      timeout(options),
      `${this.dir} to freeze`,
    );
  }

  async thaw(options: WaitOptions = {}): Promise<void> {
    writeCgroupFile(this.file('cgroup.freeze'), '0');
    await waitForFile(
      this.file('cgroup.events'),
      () => this.events().get('frozen') === 0,
      timeout(options),
      `${this.dir} to thaw`,
    );
  }

  state(): FreezerState {
    return this.events().get('frozen') === 1 ? 'frozen' : 'thawed';
  }

  stats() {
    const at = (f: string) => this.file(f);
    return readStatsV2(
      { read: (_c, f) => readCgroupFile(at(f)), optional: (_c, f) => readOptional(at(f)) },
      this.oomKillCount(),
    );
  }

  oomKillCount(): number {
    return oomKillsV2(this.dir);
  }

  watchOom(callback: (oomKills: number) => void): OomWatch {
    return watchOomV2(this.dir, callback);
  }

  async remove(options: RemoveOptions = {}): Promise<void> {
    if (!existsSync(this.dir)) return;
    const timeoutMs = timeout(options);
    if (options.kill && this.events().get('populated') === 1) {
      if (existsSync(this.file('cgroup.kill'))) {
        // Kernel ≥ 5.14: kills the whole subtree at once, frozen tasks and racing forks included.
        writeCgroupFile(this.file('cgroup.kill'), '1');
      } else {
        // Older kernels: freeze so the PIDs stay valid and nothing forks, kill, thaw (a frozen
        // v2 task dies of SIGKILL anyway, but the freeze is what makes the PID list stable).
        await this.freeze({ timeoutMs });
        const handles = openHandles(this.pids());
        killHandles(handles);
        await this.thaw({ timeoutMs });
        await waitHandles(handles, timeoutMs, this.dir);
      }
      // populated is hierarchical: 0 once the whole subtree is empty.
      await waitForFile(
        this.file('cgroup.events'),
        () => this.events().get('populated') === 0,
        timeoutMs,
        `${this.dir} to empty`,
      );
    }
    if (this.events().get('populated') === 1) {
      throw new LibcontainerError(
        'ERR_CGROUP',
        `cgroup ${this.dir} still has processes ${this.pids().join(', ')}; remove({ kill: true }) kills them`,
        {
          path: this.dir,
        },
      );
    }
    for (const d of cgroupTree(this.dir)) removeCgroupDir(d);
  }
}

const timeout = (o: WaitOptions) => o.timeoutMs ?? DEFAULT_TIMEOUT_MS;

/**
 * Enables in `dir`'s cgroup.subtree_control every wanted controller it has. All at once first;
 * if the kernel refuses the set (one controller busy or threaded), one at a time, keeping what
 * works: a controller that stays off shows up later as a missing file, named in that error.
 */
function enableControllers(dir: string): void {
  const offered = readCgroupFile(join(dir, 'cgroup.controllers')).split(/\s+/);
  const enabled = new Set(readCgroupFile(join(dir, 'cgroup.subtree_control')).split(/\s+/));
  const missing = WANTED.filter((c) => offered.includes(c) && !enabled.has(c));
  if (missing.length === 0) return;
  const file = join(dir, 'cgroup.subtree_control');
  try {
    writeCgroupFile(file, missing.map((c) => `+${c}`).join(' '));
  } catch {
    for (const c of missing) {
      try {
        writeCgroupFile(file, `+${c}`);
      } catch {
        // reported when a resource needs it (see update)
      }
    }
  }
}
