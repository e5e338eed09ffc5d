import { type BigIntStats, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { ExecDriverError } from '../errors.js';
import type { Device, DeviceCgroupRule } from '../spec/types.js';

/** A host device given to the container, as `docker run --device`. */
export interface HostDevice {
  /** The node on the host, or a directory of them (`/dev/snd`). */
  hostPath: string;
  /** Where it appears in the container (default: the host path). */
  path?: string;
  /** cgroup access, any of `r`, `w`, `m` (default `rwm`). */
  permissions?: string;
}

/** What `--privileged` leaves out of /dev, as Docker does: mounted separately, or not a device to pass. */
const PRIVILEGED_SKIP = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev', 'console']);

// Linux's dev_t layout (glibc's gnu_dev_major/minor): 12 bits of major and 20 of minor, split.
const majorOf = (rdev: bigint) => Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
const minorOf = (rdev: bigint) => Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));

function deviceAt(path: string, st: BigIntStats): Device | undefined {
  const type = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : undefined;
  if (!type) return undefined;
  return {
    type,
    path,
    major: majorOf(st.rdev),
    minor: minorOf(st.rdev),
    fileMode: Number(st.mode & 0o777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
  };
}

/** How deep a device directory is walked: /dev's own tree is shallow. */
const MAX_DEPTH = 8;

/**
 * Device nodes at and below `hostPath`, placed under `path`. Links are not followed (as runc
 * walks /dev): /dev/stdin and friends point into the daemon's own /proc/self, and /dev/disk's
 * links only repeat nodes found elsewhere. The skipped names apply at every level.
 */
function walk(hostPath: string, path: string, skip: Set<string>, out: Device[], depth = 0): void {
  let st: BigIntStats;
  try {
    st = lstatSync(hostPath, { bigint: true });
  } catch {
    return; // gone meanwhile: nothing to pass
  }
  if (st.isDirectory()) {
    if (depth >= MAX_DEPTH) return;
    for (const name of readdirSync(hostPath)) {
      if (!skip.has(name)) walk(join(hostPath, name), posix.join(path, name), skip, out, depth + 1);
    }
    return;
  }
  const device = deviceAt(path, st);
  if (device) out.push(device);
}

/** Every device node in the host's /dev, for `privileged`. */
export function allHostDevices(): Device[] {
  const out: Device[] = [];
  walk('/dev', '/dev', PRIVILEGED_SKIP, out);
  return out;
}

/**
 * The device nodes and cgroup rules for `--device` entries. A missing host path is an error, as
 * in dockerd; a directory gives every device below it.
 */
export function hostDevices(devices: HostDevice[]): { devices: Device[]; rules: DeviceCgroupRule[] } {
  const out: Device[] = [];
  const rules: DeviceCgroupRule[] = [];
  for (const [i, d] of devices.entries()) {
    const access = d.permissions || 'rwm';
    if (!/^[rwm]{1,3}$/.test(access))
      throw new ExecDriverError(
        'ERR_INVALID_ARGUMENT',
        `invalid device permissions ${JSON.stringify(access)}`,
        {
          field: `devices[${i}].permissions`,
        },
      );
    const path = d.path || d.hostPath;
    if (!posix.isAbsolute(path))
      throw new ExecDriverError(
        'ERR_INVALID_ARGUMENT',
        `device path ${JSON.stringify(path)} is not absolute`,
        {
          field: `devices[${i}].path`,
        },
      );
    // The path the user named may be a link (/dev/cdrom): resolve it, and only it.
    let real: string;
    let st: BigIntStats;
    try {
      real = realpathSync(d.hostPath);
      st = statSync(real, { bigint: true });
    } catch (err) {
      throw new ExecDriverError(
        'ERR_INVALID_ARGUMENT',
        `error gathering device information while adding custom device ${JSON.stringify(d.hostPath)}: ${(err as Error).message}`,
        { field: `devices[${i}].hostPath`, cause: err },
      );
    }
    const found: Device[] = [];
    if (st.isDirectory()) {
      if (!real.startsWith('/dev/'))
        throw new ExecDriverError(
          'ERR_INVALID_ARGUMENT',
          `${d.hostPath} is not a device directory under /dev`,
          {
            field: `devices[${i}].hostPath`,
          },
        );
      walk(real, path, new Set(), found);
    } else {
      const device = deviceAt(path, st);
      if (!device)
        throw new ExecDriverError('ERR_INVALID_ARGUMENT', `${d.hostPath} is not a device node`, {
          field: `devices[${i}].hostPath`,
        });
      found.push(device);
    }
    for (const device of found) {
      out.push(device);
      rules.push({
        allow: true,
        type: device.type as 'c' | 'b',
        major: device.major,
        minor: device.minor,
        access,
      });
    }
  }
  return { devices: out, rules };
}

/** Docker's `--device-cgroup-rule` syntax: `c 1:3 mr`, `b 8:* rw`, `a *:* rwm`. */
export function parseDeviceCgroupRule(rule: string, field = 'deviceCgroupRules'): DeviceCgroupRule {
  const m = /^([acb]) (\d+|\*):(\d+|\*) ([rwm]{1,3})$/.exec(rule.trim());
  if (!m)
    throw new ExecDriverError('ERR_INVALID_ARGUMENT', `invalid device cgroup rule ${JSON.stringify(rule)}`, {
      field,
    });
  const [, type, major, minor, access] = m as unknown as [string, 'a' | 'c' | 'b', string, string, string];
  return {
    allow: true,
    type,
    ...(major === '*' ? {} : { major: Number(major) }),
    ...(minor === '*' ? {} : { minor: Number(minor) }),
    access,
  };
}
