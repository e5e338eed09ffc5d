import { constants } from 'node:os';
import { isAbsolute, posix } from 'node:path';
import type { ImageConfig } from '@berth/image-spec';
import { ExecDriverError } from '../errors.js';
import {
  type DockerSeccompProfile,
  dockerDefaultProfile,
  resolveSeccompProfile,
} from '../seccomp/profile.js';
import type { Device, Mount, Namespace, Resources, Rlimit, Spec } from '../spec/types.js';
import { OCI_VERSION } from '../spec/types.js';
import { boundingSet } from './bounding-set.js';
import {
  ALL_CAPABILITIES,
  DEFAULT_CAPABILITIES,
  DEFAULT_MASKED_PATHS,
  DEFAULT_PATH,
  DEFAULT_READONLY_PATHS,
  defaultDeviceRules,
  defaultMounts,
  STOP_SIGNAL_ANNOTATION,
} from './defaults.js';
import { allHostDevices, type HostDevice, hostDevices, parseDeviceCgroupRule } from './host-devices.js';
import { resolveUser } from './user.js';

/** What `docker run` options change; everything is optional but `rootfs`. */
export interface SpecOverrides {
  /** The container's root filesystem (absolute); users are resolved against it. */
  rootfs: string;
  /** Becomes root.path as given (e.g. `rootfs` relative to a bundle). Default: `rootfs`. */
  rootPath?: string;
  /** Replaces the image's Cmd. */
  cmd?: string[];
  /** Replaces the image's Entrypoint (and then drops its Cmd, as Docker does); `[]` clears it. */
  entrypoint?: string[];
  /** KEY=value entries; override the image's by key. */
  env?: string[];
  workingDir?: string;
  /** `name`, `uid`, `name:group`, `uid:gid`. */
  user?: string;
  /** Supplementary groups (names or gids), Docker's --group-add. */
  groupAdd?: Array<string | number>;
  hostname?: string;
  domainname?: string;
  tty?: boolean;
  readonlyRootfs?: boolean;
  /** Every host device, all device access, no masked paths, seccomp or AppArmor: Docker's --privileged. */
  privileged?: boolean;
  /** Host devices to pass in (Docker's --device). */
  devices?: HostDevice[];
  /** More device cgroup rules in Docker's syntax (`c 1:3 mr`): --device-cgroup-rule. */
  deviceCgroupRules?: string[];
  /** Capabilities to add/drop (`NET_ADMIN` or `CAP_NET_ADMIN`; `ALL`). */
  capAdd?: string[];
  capDrop?: string[];
  /** `default` (Docker's profile, the default), `unconfined`, or a Docker-format profile. */
  seccomp?: 'default' | 'unconfined' | DockerSeccompProfile;
  noNewPrivileges?: boolean;
  /** Memory limit in bytes. */
  memory?: number;
  /** Memory + swap in bytes (-1: unlimited swap). */
  memorySwap?: number;
  /** CPUs as a decimal (`1.5`): CFS quota over a 100 ms period. */
  cpus?: number;
  cpuShares?: number;
  pidsLimit?: number;
  shmSize?: number;
  /** Extra mounts (after the defaults; a mount on the same destination replaces the default). */
  mounts?: Mount[];
  /** Join this network namespace (e.g. a network driver's netns path) instead of a new one. */
  networkNamespace?: string;
  /** Share the host's network namespace. */
  hostNetwork?: boolean;
  cgroupsPath?: string;
  rlimits?: Rlimit[];
  oomScoreAdj?: number;
  stopSignal?: string;
  annotations?: Record<string, string>;
  sysctl?: Record<string, string>;
  /** Node-style architecture for the seccomp profile (default: this machine). */
  arch?: string;
}

const capName = (c: string) => {
  const up = c.toUpperCase();
  return up === 'ALL' ? up : up.startsWith('CAP_') ? up : `CAP_${up}`;
};

/** Docker's rules: start from the defaults (all when privileged), drop, then add; ALL works for both. */
export function computeCapabilities(options: {
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
}): string[] {
  // Privileged is every capability the runtime itself holds (as podman does): where the host
  // withholds some (a container host without CAP_SYS_RESOURCE), asking for them would fail the start.
  if (options.privileged) {
    const bounding = boundingSet();
    return ALL_CAPABILITIES.filter((_, bit) => bounding === null || ((bounding >> BigInt(bit)) & 1n) === 1n);
  }
  const add = (options.capAdd ?? []).map(capName);
  const drop = (options.capDrop ?? []).map(capName);
  for (const c of [...add, ...drop])
    if (c !== 'ALL' && !ALL_CAPABILITIES.includes(c))
      throw new ExecDriverError('ERR_INVALID_ARGUMENT', `unknown capability ${c}`, { field: 'capAdd' });
  let caps = new Set<string>(DEFAULT_CAPABILITIES);
  if (drop.includes('ALL')) caps = new Set();
  else for (const c of drop) caps.delete(c);
  if (add.includes('ALL')) for (const c of ALL_CAPABILITIES) caps.add(c);
  else for (const c of add) caps.add(c);
  return ALL_CAPABILITIES.filter((c) => caps.has(c));
}

function mergeEnv(...lists: Array<string[] | undefined>): string[] {
  const map = new Map<string, string>();
  for (const list of lists)
    for (const e of list ?? []) {
      const i = e.indexOf('=');
      const key = i < 0 ? e : e.slice(0, i);
      map.delete(key); // the later one wins and takes the later position, as Docker's ReplaceOrAppendEnvValues
      if (i >= 0) map.set(key, e);
    }
  return [...map.values()];
}

function normalizeSignal(sig: string): string {
  const s = sig.trim().toUpperCase();
  if (/^\d+$/.test(s)) return s;
  const name = s.startsWith('SIG') ? s : `SIG${s}`;
  if (!(name in constants.signals))
    throw new ExecDriverError('ERR_IMAGE_CONFIG_INVALID', `unknown stop signal ${sig}`, {
      field: 'config.StopSignal',
    });
  return name;
}

/**
 * Builds a runtime spec from an image config the way `docker run` does: Entrypoint + Cmd with
 * overrides, Env merged over a default PATH (plus HOSTNAME, HOME and TERM for a tty), WorkingDir,
 * User resolved against the rootfs, StopSignal as the `org.opencontainers.image.stopSignal`
 * annotation, and Docker's default security profile: capabilities, masked and read-only paths,
 * default mounts and devices, the default seccomp profile resolved for the capabilities and the
 * architecture, plus resource limits, `privileged`, cap-add/cap-drop and a read-only rootfs.
 */
export async function specFromImage(image: ImageConfig | undefined, overrides: SpecOverrides): Promise<Spec> {
  const cfg = image?.config ?? {};
  if (!isAbsolute(overrides.rootfs))
    throw new ExecDriverError('ERR_INVALID_ARGUMENT', 'rootfs must be an absolute path', { field: 'rootfs' });

  const entrypoint = overrides.entrypoint ?? cfg.Entrypoint ?? [];
  const cmd = overrides.cmd ?? (overrides.entrypoint !== undefined ? [] : (cfg.Cmd ?? []));
  const args = [...entrypoint, ...cmd];
  if (args.length === 0)
    throw new ExecDriverError(
      'ERR_IMAGE_CONFIG_INVALID',
      'no command specified (the image has no Entrypoint or Cmd)',
      {
        field: 'config.Cmd',
      },
    );

  const cwd = overrides.workingDir || cfg.WorkingDir || '/';
  if (!isAbsolute(cwd))
    throw new ExecDriverError(
      'ERR_IMAGE_CONFIG_INVALID',
      `WorkingDir ${JSON.stringify(cwd)} is not absolute`,
      {
        field: overrides.workingDir ? 'workingDir' : 'config.WorkingDir',
      },
    );

  const user = resolveUser(overrides.rootfs, overrides.user ?? cfg.User, overrides.groupAdd);
  const hostname = overrides.hostname ?? '';
  const env = mergeEnv(
    [`PATH=${DEFAULT_PATH}`],
    hostname ? [`HOSTNAME=${hostname}`] : [],
    cfg.Env,
    overrides.env,
  );
  if (overrides.tty && !env.some((e) => e.startsWith('TERM='))) env.push('TERM=xterm');
  if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${user.home}`);

  const privileged = overrides.privileged === true;
  const caps = computeCapabilities(overrides);

  const mounts = defaultMounts({ privileged, shmSize: overrides.shmSize });
  for (const m of overrides.mounts ?? []) {
    const dest = posix.normalize(m.destination);
    const i = mounts.findIndex((d) => d.destination === dest);
    if (i >= 0) mounts.splice(i, 1);
    mounts.push({ ...m, destination: dest });
  }

  const namespaces: Namespace[] = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (overrides.networkNamespace) namespaces.push({ type: 'network', path: overrides.networkNamespace });
  else if (!overrides.hostNetwork) namespaces.push({ type: 'network' });
  namespaces.push({ type: 'cgroup' });

  const passed = hostDevices(overrides.devices ?? []);
  const resources: Resources = {
    devices: [
      ...defaultDeviceRules(privileged),
      ...passed.rules,
      ...(overrides.deviceCgroupRules ?? []).map((r, i) =>
        parseDeviceCgroupRule(r, `deviceCgroupRules[${i}]`),
      ),
    ],
  };
  const devices = [...(privileged ? allHostDevices() : []), ...passed.devices];
  if (overrides.memory !== undefined) resources.memory = { limit: overrides.memory };
  if (overrides.memorySwap !== undefined)
    resources.memory = { ...resources.memory, swap: overrides.memorySwap };
  if (overrides.cpus !== undefined) {
    if (!(overrides.cpus > 0))
      throw new ExecDriverError('ERR_INVALID_ARGUMENT', 'cpus must be > 0', { field: 'cpus' });
    resources.cpu = { quota: Math.round(overrides.cpus * 100_000), period: 100_000 };
  }
  if (overrides.cpuShares !== undefined) resources.cpu = { ...resources.cpu, shares: overrides.cpuShares };
  if (overrides.pidsLimit !== undefined) resources.pids = { limit: overrides.pidsLimit };

  const annotations: Record<string, string> = { ...overrides.annotations };
  const stopSignal = overrides.stopSignal ?? cfg.StopSignal;
  if (stopSignal) annotations[STOP_SIGNAL_ANNOTATION] = normalizeSignal(stopSignal);

  const spec: Spec = {
    ociVersion: OCI_VERSION,
    root: { path: overrides.rootPath ?? overrides.rootfs, readonly: overrides.readonlyRootfs === true },
    process: {
      terminal: overrides.tty === true,
      user: {
        uid: user.uid,
        gid: user.gid,
        ...(user.additionalGids.length ? { additionalGids: user.additionalGids } : {}),
      },
      args,
      env,
      cwd,
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      noNewPrivileges: overrides.noNewPrivileges === true,
      ...(overrides.rlimits ? { rlimits: overrides.rlimits } : {}),
      ...(overrides.oomScoreAdj !== undefined ? { oomScoreAdj: overrides.oomScoreAdj } : {}),
    },
    hostname,
    mounts,
    linux: {
      namespaces,
      resources,
      ...(overrides.cgroupsPath ? { cgroupsPath: overrides.cgroupsPath } : {}),
      ...(overrides.sysctl ? { sysctl: overrides.sysctl } : {}),
      ...(devices.length ? { devices: uniqueByPath(devices) } : {}),
      ...(privileged
        ? {}
        : { maskedPaths: [...DEFAULT_MASKED_PATHS], readonlyPaths: [...DEFAULT_READONLY_PATHS] }),
    },
  };
  if (overrides.domainname) spec.domainname = overrides.domainname;
  if (Object.keys(annotations).length) spec.annotations = annotations;

  const seccomp = overrides.seccomp ?? (privileged ? 'unconfined' : 'default');
  if (seccomp !== 'unconfined') {
    const profile = seccomp === 'default' ? await dockerDefaultProfile() : seccomp;
    spec.linux!.seccomp = resolveSeccompProfile(profile, { capabilities: caps, arch: overrides.arch });
  }
  return spec;
}

/** One node per container path: a --device given for a path --privileged also fills wins. */
function uniqueByPath(devices: Device[]): Device[] {
  return [...new Map(devices.map((d) => [d.path, d])).values()];
}
