import { LibcontainerError } from '../errors.js';
import { CgroupV1 } from './cgroup-v1.js';
import { CgroupV2 } from './cgroup-v2.js';
import { type CgroupLayout, detectCgroups } from './detect.js';
import type { CgroupManager } from './manager.js';

export interface OpenCgroupOptions {
  /** Where the cgroup hierarchies are mounted. Default /sys/fs/cgroup. */
  root?: string;
  /** A detectCgroups() result to reuse instead of detecting again (also how tests point at a fake tree). */
  layout?: CgroupLayout;
}

/**
 * OCI cgroupsPath → a normalized path. Relative and absolute paths both name a place below
 * the hierarchy root, not below the caller's own cgroup (runc's reading of relative paths):
 * containers must outlive the daemon, so they must not sit inside a daemon's service cgroup.
 * Berth itself uses `berth/<container-id>`; the `berth` parent holds no processes (which
 * cgroup v2 needs for controllers to be delegated to it). `..` is refused so a path cannot
 * leave the hierarchy.
 */
export function normalizeCgroupPath(path: string): string {
  const segments = path.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.length === 0 || segments.includes('..') || path.includes('\0')) {
    throw new LibcontainerError(
      'ERR_CGROUP',
      `invalid cgroups path ${JSON.stringify(path)}: it must name a cgroup below the root, without ..`,
    );
  }
  return `/${segments.join('/')}`;
}

/** Opens (does not create) the cgroup at `path`, driving v1 or v2 as this host has them. */
export function openCgroup(path: string, options: OpenCgroupOptions = {}): CgroupManager {
  const normalized = normalizeCgroupPath(path);
  const layout = options.layout ?? detectCgroups(options.root);
  if (layout.mode === 'v2') return new CgroupV2(layout.unified!.mountPoint, normalized);
  return new CgroupV1(layout, normalized);
}
