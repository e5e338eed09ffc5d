import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestDaemon } from './berthd.js';

const HIERARCHIES = ['memory', 'pids', 'cpu', 'freezer', 'unified'];

/**
 * What containers of a test daemon hold in the kernel and on disk right now: rootfs mounts under
 * its dirs (the network driver's own netns mounts aside), container cgroups below its cgroup
 * parent, and exec-driver records. A removed or never-started container leaves none of these.
 */
export function containerLeftovers(daemon: TestDaemon): {
  mounts: string[];
  cgroups: string[];
  runtime: string[];
} {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => !!p && p.startsWith(daemon.dir) && !p.includes('/network/'));
  const cgroups: string[] = [];
  for (const h of HIERARCHIES) {
    const parent = join('/sys/fs/cgroup', h, `berth-${daemon.bridge}`);
    if (!existsSync(parent)) continue;
    for (const e of readdirSync(parent, { withFileTypes: true }))
      if (e.isDirectory()) cgroups.push(join(parent, e.name));
  }
  const driverDir = join(daemon.execRoot, 'runtime', '.driver');
  const runtime = existsSync(driverDir) ? readdirSync(driverDir) : [];
  return { mounts, cgroups, runtime };
}

/** The container's cgroup directory in a v1 hierarchy (or the unified one), by its full ID. */
export function containerCgroup(daemon: TestDaemon, hierarchy: string, id: string): string | undefined {
  const parent = join('/sys/fs/cgroup', hierarchy, `berth-${daemon.bridge}`);
  if (!existsSync(parent)) return undefined;
  const name = readdirSync(parent).find((n) => n.startsWith(id.slice(0, 20)) || n === id);
  return name ? join(parent, name) : undefined;
}
