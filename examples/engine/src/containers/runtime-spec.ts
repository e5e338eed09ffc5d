import type { Mount, Rlimit, Spec } from '@berth/exec-driver';
import { specFromImage } from '@berth/exec-driver';
import type { ImageConfig } from '@berth/image-spec';
import type { ContainerNetworkAttachment } from '../networks/network-service.js';
import { deviceOverrides } from './container-devices.js';
import { runtimeMounts, type VolumeMounts } from './container-mounts.js';
import type { ContainerRecord } from './container-record.js';

export interface RuntimeSpecInput {
  record: ContainerRecord;
  image: ImageConfig;
  rootfs: string;
  network: ContainerNetworkAttachment;
  volumes: VolumeMounts;
  /** `--init`: whether containers get one unless they say (daemon.json `init`), and its binary. */
  init: { byDefault: boolean; path: string };
}

/** tini as PID 1, as `docker run --init`: it reaps zombies and passes signals on to the command. */
function withInit(spec: Spec, initPath: string): void {
  spec.mounts = [
    ...(spec.mounts ?? []),
    { destination: '/sbin/docker-init', type: 'bind', source: initPath, options: ['bind', 'ro', 'rprivate'] },
  ];
  if (spec.process)
    spec.process = { ...spec.process, args: ['/sbin/docker-init', '--', ...(spec.process.args ?? [])] };
}

function networkFileMounts(files: ContainerNetworkAttachment['files']): Mount[] {
  if (!files) return [];
  const bind = (source: string, destination: string): Mount => ({
    destination,
    type: 'bind',
    source,
    options: ['rbind', 'rprivate', 'rw'],
  });
  return [
    bind(files.resolvConf, '/etc/resolv.conf'),
    bind(files.hostname, '/etc/hostname'),
    bind(files.hosts, '/etc/hosts'),
  ];
}

function rlimits(record: ContainerRecord): Rlimit[] | undefined {
  const ulimits = record.hostConfig.Ulimits as
    | { Name: string; Soft: number; Hard: number }[]
    | null
    | undefined;
  if (!ulimits?.length) return undefined;
  return ulimits.map((u) => ({ type: `RLIMIT_${u.Name.toUpperCase()}`, soft: u.Soft, hard: u.Hard }));
}

/** The OCI runtime spec of a container: its image config with `docker run`'s overrides applied. */
export async function buildRuntimeSpec(input: RuntimeSpecInput): Promise<Spec> {
  const { record, image, rootfs, network } = input;
  const c = record.config;
  const h = record.hostConfig;
  const cpus =
    h.NanoCpus > 0 ? h.NanoCpus / 1e9 : h.CpuQuota > 0 ? h.CpuQuota / (h.CpuPeriod || 100_000) : undefined;
  // The container's Config is already merged with the image's, so it replaces the image's process fields.
  const spec = await specFromImage(
    { ...image, config: { ...(image.config ?? {}), Env: [], Cmd: undefined, Entrypoint: undefined } },
    {
      rootfs,
      cmd: c.Cmd ?? [],
      entrypoint: c.Entrypoint ?? [],
      env: c.Env,
      ...(c.WorkingDir ? { workingDir: c.WorkingDir } : {}),
      ...(c.User ? { user: c.User } : {}),
      ...(h.GroupAdd?.length ? { groupAdd: h.GroupAdd } : {}),
      hostname: c.Hostname,
      ...(c.Domainname ? { domainname: c.Domainname } : {}),
      tty: c.Tty,
      readonlyRootfs: h.ReadonlyRootfs,
      privileged: h.Privileged,
      devices: deviceOverrides(h.Devices),
      ...(h.DeviceCgroupRules?.length ? { deviceCgroupRules: h.DeviceCgroupRules } : {}),
      capAdd: h.CapAdd ?? [],
      capDrop: h.CapDrop ?? [],
      ...(h.Memory > 0 ? { memory: h.Memory } : {}),
      ...(cpus !== undefined ? { cpus } : {}),
      ...(h.CpuShares > 0 ? { cpuShares: h.CpuShares } : {}),
      ...(h.PidsLimit !== null && h.PidsLimit > 0 ? { pidsLimit: h.PidsLimit } : {}),
      shmSize: h.ShmSize,
      mounts: [...networkFileMounts(network.files), ...runtimeMounts(h, input.volumes)],
      ...(network.netnsPath ? { networkNamespace: network.netnsPath } : {}),
      ...(network.netnsPath === null ? { hostNetwork: true } : {}),
      ...(c.StopSignal ? { stopSignal: c.StopSignal } : {}),
      ...(h.Sysctls ? { sysctl: h.Sysctls as Record<string, string> } : {}),
      ...(typeof h.OomScoreAdj === 'number' && h.OomScoreAdj !== 0 ? { oomScoreAdj: h.OomScoreAdj } : {}),
      ...(rlimits(record) ? { rlimits: rlimits(record) } : {}),
      ...(h.SecurityOpt && (h.SecurityOpt as string[]).includes('seccomp=unconfined')
        ? { seccomp: 'unconfined' as const }
        : {}),
    },
  );
  // The daemon's own mount of the rootfs may go away (it unmounts at shutdown) while the
  // container keeps running: nothing done on the host side may propagate into the container.
  spec.linux = { ...spec.linux, rootfsPropagation: 'private' };
  if ((h.Init as boolean | null | undefined) ?? input.init.byDefault) withInit(spec, input.init.path);
  return spec;
}
