import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LibcontainerError } from '../errors.js';

/**
 * Which cgroup hierarchies this host has, found at run time. `v2`: one unified hierarchy at the
 * root. `v1`: one hierarchy per controller group. `hybrid`: v1 controllers plus a cgroup2 mount
 * (usually `<root>/unified`) that holds few or no controllers; Berth drives the v1 controllers.
 */
export type CgroupMode = 'v1' | 'v2' | 'hybrid';

export interface CgroupHierarchy {
  /** Where it is mounted, e.g. /sys/fs/cgroup/memory. */
  mountPoint: string;
  /** Its controllers as /proc/self/cgroup names them, e.g. ['cpu', 'cpuacct'] or ['name=systemd']. */
  controllers: string[];
}

export interface CgroupLayout {
  mode: CgroupMode;
  root: string;
  /** v1 hierarchies mounted under root (empty on v2). */
  v1: CgroupHierarchy[];
  /** The cgroup2 mount under (or at) root, with the controllers it offers (cgroup.controllers). */
  unified: CgroupHierarchy | undefined;
}

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
const unescapeOctal = (s: string) =>
  s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));

/** The cgroup and cgroup2 mounts of /proc/self/mountinfo (proc(5): fields, "-", fstype, source, super options). */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (dash < 0 || fields.length < dash + 4) continue;
    const fsType = fields[dash + 1]!;
    if (fsType !== 'cgroup' && fsType !== 'cgroup2') continue;
    out.push({ mountPoint: unescapeOctal(fields[4]!), fsType, superOptions: fields[dash + 3]!.split(',') });
  }
  return out;
}

/** The v1 hierarchies of /proc/self/cgroup ("ID:controllers:path"); the v2 line ("0::path") is skipped. */
export function parseProcCgroup(text: string): string[][] {
  const out: string[][] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):/.exec(line);
    if (m && m[2] !== '') out.push(m[2]!.split(','));
  }
  return out;
}

const isUnder = (path: string, root: string) =>
  path === root || path.startsWith(root.endsWith('/') ? root : `${root}/`);

/** Pure part of detection, for tests: the layout from the two /proc texts and the unified cgroup.controllers. */
export function layoutFrom(
  root: string,
  mounts: MountEntry[],
  v1InUse: string[][],
  unifiedControllers: (mountPoint: string) => string[],
): CgroupLayout {
  const v1: CgroupHierarchy[] = [];
  for (const controllers of v1InUse) {
    // The mount of a hierarchy carries all of its controllers among its super options.
    const mount = mounts.find(
      (m) =>
        m.fsType === 'cgroup' &&
        isUnder(m.mountPoint, root) &&
        controllers.every((c) => m.superOptions.includes(c)),
    );
    if (mount && !v1.some((h) => h.mountPoint === mount.mountPoint))
      v1.push({ mountPoint: mount.mountPoint, controllers });
  }
  const u = mounts.find((m) => m.fsType === 'cgroup2' && isUnder(m.mountPoint, root));
  const unified = u && { mountPoint: u.mountPoint, controllers: unifiedControllers(u.mountPoint) };
  if (unified && unified.mountPoint === root) return { mode: 'v2', root, v1: [], unified };
  if (v1.length === 0) {
    throw new LibcontainerError('ERR_CGROUP', `no cgroup hierarchy is mounted under ${root}`, { path: root });
  }
  return { mode: unified ? 'hybrid' : 'v1', root, v1, unified };
}

/** Reads /proc/self/mountinfo and /proc/self/cgroup. Cheap; callers may cache the result. */
export function detectCgroups(root = '/sys/fs/cgroup'): CgroupLayout {
  const abs = resolve(root);
  const read = (f: string) => readFileSync(f, 'utf8');
  return layoutFrom(
    abs,
    parseMountinfo(read('/proc/self/mountinfo')),
    parseProcCgroup(read('/proc/self/cgroup')),
    (mp) => read(join(mp, 'cgroup.controllers')).split(/\s+/).filter(Boolean),
  );
}
