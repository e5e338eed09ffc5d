import { cpus } from 'node:os';
import { computeCapabilities, hostDevices, parseDeviceCgroupRule } from '@berth/exec-driver';
import type { ImageConfig } from '@berth/image-spec';
import { badRequest } from '../api/api-error.js';
import { deviceOverrides } from './container-devices.js';
import type { ContainerConfig, EndpointsConfig, HostConfig, RestartPolicy } from './container-record.js';
import type { CreateRequest } from './create-request.js';
import { type HealthConfig, mergeHealthcheck } from './health-check.js';

const MIN_MEMORY = 6 * 1024 * 1024;
const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

const asList = (v: string[] | string | null | undefined): string[] | null =>
  v === null || v === undefined ? null : Array.isArray(v) ? v : [v];

/** Replaces or appends KEY=value entries by key, as Docker merges image and user Env. */
export function mergeEnv(base: string[], overrides: string[]): string[] {
  const out = [...base];
  for (const entry of overrides) {
    const key = entry.split('=', 1)[0];
    const i = out.findIndex((e) => e.split('=', 1)[0] === key);
    if (i >= 0) out[i] = entry;
    else out.push(entry);
  }
  return out;
}

/** Docker's HostConfig with defaults filled in, checked the way dockerd checks it at create. */
export function hostConfigFrom(request: CreateRequest): HostConfig {
  const h = request.HostConfig ?? {};
  const policyName = h.RestartPolicy?.Name ?? '';
  const restart: RestartPolicy = {
    Name: policyName,
    MaximumRetryCount: h.RestartPolicy?.MaximumRetryCount ?? 0,
  };
  const autoRemove = h.AutoRemove ?? false;
  if (autoRemove && policyName !== '' && policyName !== 'no')
    throw badRequest("can't create 'AutoRemove' container with restart policy");
  if (restart.MaximumRetryCount < 0) throw badRequest('maximum retry count cannot be negative');
  if (restart.MaximumRetryCount > 0 && policyName !== 'on-failure')
    throw badRequest(`maximum retry count cannot be used with restart policy '${policyName}'`);
  const memory = h.Memory ?? 0;
  if (memory > 0 && memory < MIN_MEMORY) throw badRequest('Minimum memory limit allowed is 6MB');
  const nanoCpus = h.NanoCpus ?? 0;
  if (nanoCpus > 0 && ((h.CpuQuota ?? 0) > 0 || (h.CpuPeriod ?? 0) > 0))
    throw badRequest('Conflicting options: Nano CPUs and CPU Period cannot both be set');
  const ncpu = cpus().length;
  if (nanoCpus < 0 || nanoCpus > ncpu * 1e9)
    throw badRequest(`Range of CPUs is from 0.01 to ${ncpu}.00, as there are only ${ncpu} CPUs available`);
  if ((h.CpuShares ?? 0) < 0) throw badRequest('invalid CPU shares');
  try {
    computeCapabilities({ capAdd: h.CapAdd ?? [], capDrop: h.CapDrop ?? [] });
    hostDevices(deviceOverrides(h.Devices));
    for (const rule of h.DeviceCgroupRules ?? []) parseDeviceCgroupRule(rule);
  } catch (err) {
    throw badRequest((err as Error).message);
  }
  return {
    ...h,
    Binds: h.Binds ?? null,
    NetworkMode: h.NetworkMode || 'default',
    PortBindings: h.PortBindings ?? {},
    RestartPolicy: restart,
    AutoRemove: autoRemove,
    CapAdd: h.CapAdd ?? null,
    CapDrop: h.CapDrop ?? null,
    Privileged: h.Privileged ?? false,
    PublishAllPorts: h.PublishAllPorts ?? false,
    ReadonlyRootfs: h.ReadonlyRootfs ?? false,
    Tmpfs: h.Tmpfs ?? null,
    Memory: memory,
    MemorySwap: h.MemorySwap ?? 0,
    NanoCpus: nanoCpus,
    CpuQuota: h.CpuQuota ?? 0,
    CpuPeriod: h.CpuPeriod ?? 0,
    CpuShares: h.CpuShares ?? 0,
    PidsLimit: h.PidsLimit ?? null,
    ShmSize: h.ShmSize || DEFAULT_SHM_SIZE,
    ExtraHosts: h.ExtraHosts ?? null,
    GroupAdd: h.GroupAdd ?? null,
    Devices: h.Devices ?? [],
    DeviceCgroupRules: h.DeviceCgroupRules ?? null,
    Mounts: (h.Mounts as HostConfig['Mounts']) ?? null,
  } as HostConfig;
}

/** The container's Config: the request merged over the image's config (Docker's `merge`). */
export function containerConfigFrom(request: CreateRequest, image: ImageConfig, id: string): ContainerConfig {
  const img = image.config ?? {};
  let entrypoint = asList(request.Entrypoint);
  // `--entrypoint ""` resets the image's entrypoint.
  if (entrypoint && entrypoint.length === 1 && entrypoint[0] === '') entrypoint = [];
  let cmd = asList(request.Cmd);
  if (!entrypoint || entrypoint.length === 0) {
    if (!cmd || cmd.length === 0) cmd = img.Cmd ?? null;
    if (entrypoint === null) entrypoint = img.Entrypoint ?? null;
  }
  if ((entrypoint?.length ?? 0) === 0 && (cmd?.length ?? 0) === 0) throw badRequest('No command specified');
  const exposed = { ...(img.ExposedPorts ?? {}), ...(request.ExposedPorts ?? {}) };
  const volumes = { ...(img.Volumes ?? {}), ...(request.Volumes ?? {}) };
  const stopSignal = request.StopSignal || img.StopSignal;
  const healthcheck = mergeHealthcheck(request.Healthcheck as HealthConfig | undefined, img.Healthcheck);
  return {
    ...request,
    HostConfig: undefined,
    NetworkingConfig: undefined,
    Hostname: request.Hostname || id.slice(0, 12),
    Domainname: request.Domainname ?? '',
    User: request.User || img.User || '',
    AttachStdin: request.AttachStdin ?? false,
    AttachStdout: request.AttachStdout ?? false,
    AttachStderr: request.AttachStderr ?? false,
    ...(Object.keys(exposed).length ? { ExposedPorts: exposed } : {}),
    Tty: request.Tty ?? false,
    OpenStdin: request.OpenStdin ?? false,
    StdinOnce: request.StdinOnce ?? false,
    Env: mergeEnv(img.Env ?? [], request.Env ?? []),
    Cmd: cmd,
    Image: request.Image ?? '',
    Volumes: Object.keys(volumes).length ? volumes : null,
    WorkingDir: request.WorkingDir || img.WorkingDir || '',
    Entrypoint: entrypoint,
    OnBuild: null,
    Labels: { ...(img.Labels ?? {}), ...(request.Labels ?? {}) },
    ...(stopSignal ? { StopSignal: stopSignal } : {}),
    ...(healthcheck ? { Healthcheck: healthcheck } : {}),
    ...(request.StopTimeout !== undefined && request.StopTimeout !== null
      ? { StopTimeout: request.StopTimeout }
      : {}),
  } as ContainerConfig;
}

export function endpointsFrom(request: CreateRequest): EndpointsConfig {
  const out: EndpointsConfig = {};
  for (const [name, cfg] of Object.entries(request.NetworkingConfig?.EndpointsConfig ?? {}))
    out[name] = cfg ?? {};
  return out;
}

/** Path and Args as inspect shows them: the first word of Entrypoint + Cmd, then the rest. */
export function commandOf(config: ContainerConfig): { path: string; args: string[] } {
  const all = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  return { path: all[0] ?? '', args: all.slice(1) };
}
