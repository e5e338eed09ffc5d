import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { CgroupStats } from '@berth/exec-driver';
import { queryBool } from '../api/request-body.js';
import { startJsonStream } from '../api/response.js';
import type { RequestContext } from '../api/router.js';
import { type ContainerRecord, isRunning, ZERO_TIME } from './container-record.js';
import type { ContainerService } from './container-service.js';

const NS_PER_TICK = 1e9 / 100;
const INTERVAL_MS = 1000;

/** Host CPU time in ns (the sum of /proc/stat's cpu line), Docker's system_cpu_usage. */
function systemCpuUsage(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  return (
    line
      .split(/\s+/)
      .slice(1, 8)
      .reduce((sum, v) => sum + Number(v || 0), 0) * NS_PER_TICK
  );
}

/** Interface counters of the container's network namespace, as seen through its init. */
function networkStats(pid: number): Record<string, Record<string, number>> | undefined {
  if (!pid) return undefined;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/net/dev`, 'utf8');
  } catch {
    return undefined;
  }
  const out: Record<string, Record<string, number>> = {};
  for (const line of text.split('\n').slice(2)) {
    const [name, rest] = line.split(':');
    if (!rest || !name || name.trim() === 'lo') continue;
    const f = rest.trim().split(/\s+/).map(Number);
    out[name.trim()] = {
      rx_bytes: f[0] ?? 0,
      rx_packets: f[1] ?? 0,
      rx_errors: f[2] ?? 0,
      rx_dropped: f[3] ?? 0,
      tx_bytes: f[8] ?? 0,
      tx_packets: f[9] ?? 0,
      tx_errors: f[10] ?? 0,
      tx_dropped: f[11] ?? 0,
    };
  }
  return Object.keys(out).length ? out : undefined;
}

interface CpuSample {
  cpu_usage: { total_usage: number; usage_in_kernelmode: number; usage_in_usermode: number };
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

const emptyCpu = (): CpuSample => ({
  cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
  throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
});

function cpuSample(stats: CgroupStats): CpuSample {
  return {
    cpu_usage: {
      total_usage: stats.cpu.usageNs,
      usage_in_kernelmode: stats.cpu.systemNs,
      usage_in_usermode: stats.cpu.userNs,
    },
    system_cpu_usage: systemCpuUsage(),
    online_cpus: cpus().length,
    throttling_data: {
      periods: stats.cpu.periods,
      throttled_periods: stats.cpu.throttledPeriods,
      throttled_time: stats.cpu.throttledNs,
    },
  };
}

interface Sample {
  read: string;
  cpu: CpuSample;
  body: Record<string, unknown>;
}

async function sample(service: ContainerService, record: ContainerRecord): Promise<Sample> {
  const read = new Date().toISOString();
  let stats: CgroupStats | undefined;
  if (isRunning(record)) stats = await service.daemon.exec.stats(record.id).catch(() => undefined);
  const cpu = stats ? cpuSample(stats) : emptyCpu();
  const networks = stats ? networkStats(record.state.Pid) : undefined;
  const body = {
    name: `/${record.name}`,
    id: record.id,
    pids_stats: stats
      ? { current: stats.pids.current, ...(stats.pids.limit !== null ? { limit: stats.pids.limit } : {}) }
      : {},
    blkio_stats: {
      io_service_bytes_recursive: null,
      io_serviced_recursive: null,
      io_queue_recursive: null,
      io_service_time_recursive: null,
      io_wait_time_recursive: null,
      io_merged_recursive: null,
      io_time_recursive: null,
      sectors_recursive: null,
    },
    num_procs: 0,
    storage_stats: {},
    memory_stats: stats
      ? {
          usage: stats.memory.usage,
          ...(stats.memory.maxUsage !== null ? { max_usage: stats.memory.maxUsage } : {}),
          stats: {
            cache: stats.memory.file,
            rss: stats.memory.anon,
            total_cache: stats.memory.file,
            total_rss: stats.memory.anon,
            total_inactive_file: 0,
          },
          failcnt: 0,
          limit: stats.memory.limit ?? totalmem(),
        }
      : {},
    ...(networks ? { networks } : {}),
  };
  return { read, cpu, body };
}

/** `GET /containers/{id}/stats`: Docker's stats JSON, once (with a previous sample unless one-shot) or every second. */
export async function streamStats(
  service: ContainerService,
  idOrName: string,
  ctx: RequestContext,
): Promise<unknown> {
  const { id } = service.store.resolve(idOrName);
  const stream = queryBool(ctx.query, 'stream', true);
  const oneShot = queryBool(ctx.query, 'one-shot');
  const current = () => service.store.resolve(id);
  const compose = (now: Sample, previous: Sample | undefined) => ({
    read: now.read,
    preread: previous?.read ?? ZERO_TIME,
    ...now.body,
    cpu_stats: now.cpu,
    precpu_stats: previous?.cpu ?? emptyCpu(),
  });
  if (!stream) {
    const first = await sample(service, current());
    if (oneShot || !isRunning(current())) return compose(first, undefined);
    await new Promise((r) => setTimeout(r, INTERVAL_MS));
    return compose(await sample(service, current()), first);
  }
  const send = startJsonStream(ctx.res);
  let closed = false;
  ctx.res.once('close', () => {
    closed = true;
  });
  let previous: Sample | undefined;
  while (!closed && !service.daemon.shutdown.signal.aborted) {
    const record = service.store.find(id);
    if (!record) break;
    const now = await sample(service, record);
    send(compose(now, previous));
    previous = now;
    if (!isRunning(record)) break;
    await new Promise((r) => setTimeout(r, INTERVAL_MS));
  }
  ctx.res.end();
  return undefined;
}
