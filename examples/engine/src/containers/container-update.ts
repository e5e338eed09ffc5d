import type { Resources } from '@berth/exec-driver';
import { z } from 'zod';
import { badRequest } from '../api/api-error.js';
import { hostConfigFrom } from './container-config.js';
import type { HostConfig } from './container-record.js';
import type { CreateRequest } from './create-request.js';

const int = z.number().int().nullish();

/** `POST /containers/{id}/update`: the resources and restart policy `docker update` may change. */
export const updateRequestSchema = z
  .object({
    Memory: int,
    MemorySwap: int,
    MemoryReservation: int,
    NanoCpus: int,
    CpuShares: int,
    CpuPeriod: int,
    CpuQuota: int,
    CpusetCpus: z.string().nullish(),
    CpusetMems: z.string().nullish(),
    PidsLimit: int,
    RestartPolicy: z
      .object({ Name: z.string().optional(), MaximumRetryCount: z.number().int().optional() })
      .nullish(),
  })
  .loose();

export type UpdateRequest = z.infer<typeof updateRequestSchema>;

const PERIOD = 100_000;

/**
 * The container's HostConfig with the update applied and checked as at create, and the OCI
 * resources to write to a running container's cgroup: only what the request changes.
 */
export function planUpdate(
  current: HostConfig,
  request: UpdateRequest,
): { hostConfig: HostConfig; resources: Resources } {
  // As dockerd: zero values and an unnamed restart policy mean "unchanged" (the CLI sends them all);
  // only PidsLimit (a pointer there) takes 0 or -1 for "no limit".
  const changes = Object.fromEntries(
    Object.entries(request).filter(
      ([k, v]) =>
        v !== undefined &&
        v !== null &&
        v !== '' &&
        (v !== 0 || k === 'PidsLimit') &&
        !(k === 'RestartPolicy' && !(v as { Name?: string }).Name),
    ),
  ) as Partial<HostConfig>;
  if (changes.RestartPolicy && current.AutoRemove)
    throw badRequest('Restart policy cannot be updated because AutoRemove is enabled for the container');
  const merged = { ...current, ...changes };
  if (changes.NanoCpus) Object.assign(merged, { CpuQuota: 0, CpuPeriod: 0 });
  if (changes.CpuQuota || changes.CpuPeriod) merged.NanoCpus = 0;
  const hostConfig = hostConfigFrom({ HostConfig: merged } as unknown as CreateRequest);

  const resources: Resources = {};
  const memory: NonNullable<Resources['memory']> = {};
  if (changes.Memory !== undefined) memory.limit = changes.Memory > 0 ? changes.Memory : -1;
  if (changes.MemorySwap !== undefined) memory.swap = changes.MemorySwap;
  if (typeof changes.MemoryReservation === 'number') memory.reservation = changes.MemoryReservation;
  if (Object.keys(memory).length) resources.memory = memory;
  const cpu: NonNullable<Resources['cpu']> = {};
  if (changes.CpuShares !== undefined) cpu.shares = changes.CpuShares;
  if (changes.NanoCpus !== undefined)
    Object.assign(cpu, { period: PERIOD, quota: Math.round((changes.NanoCpus / 1e9) * PERIOD) });
  if (changes.CpuPeriod !== undefined) cpu.period = changes.CpuPeriod;
  if (changes.CpuQuota !== undefined) cpu.quota = changes.CpuQuota;
  if (typeof changes.CpusetCpus === 'string') cpu.cpus = changes.CpusetCpus;
  if (typeof changes.CpusetMems === 'string') cpu.mems = changes.CpusetMems;
  if (Object.keys(cpu).length) resources.cpu = cpu;
  if (changes.PidsLimit !== undefined && changes.PidsLimit !== null)
    resources.pids = { limit: changes.PidsLimit > 0 ? changes.PidsLimit : -1 };
  return { hostConfig, resources };
}
