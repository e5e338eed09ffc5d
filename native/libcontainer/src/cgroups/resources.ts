import { LibcontainerError } from '../errors.js';

/**
 * OCI `linux.resources` (config-linux.md) → the cgroup file writes that apply it, per cgroup
 * version. Planning is separate from writing so the mapping can be checked without a kernel.
 * Zero means "unset" for memory limit/reservation/swap, cpu shares/quota/period (as in runc);
 * pids limit 0 is a real limit (the spec says so). `null` is treated like absent.
 */
export interface LinuxResources {
  devices?: Array<{
    allow: boolean;
    type?: string;
    major?: number | null;
    minor?: number | null;
    access?: string;
  }>;
  memory?: {
    limit?: number | null;
    reservation?: number | null;
    /** memory + swap, v1 style; converted to memory.swap.max (swap only) on v2. */
    swap?: number | null;
    /** Deprecated by the spec and gone from current kernels: ignored. */
    kernel?: number | null;
    kernelTCP?: number | null;
    swappiness?: number | null;
    disableOOMKiller?: boolean | null;
    /** Always on in current kernels: ignored. */
    useHierarchy?: boolean | null;
    checkBeforeUpdate?: boolean | null;
  };
  cpu?: {
    shares?: number | null;
    quota?: number | null;
    burst?: number | null;
    period?: number | null;
    realtimeRuntime?: number | null;
    realtimePeriod?: number | null;
    cpus?: string | null;
    mems?: string | null;
    idle?: number | null;
  };
  pids?: { limit?: number | null };
  unified?: Record<string, string>;
  /** Not implemented yet: a non-empty value is refused (ERR_CGROUP) rather than silently dropped. */
  blockIO?: unknown;
  hugepageLimits?: unknown[];
  network?: unknown;
  rdma?: Record<string, unknown>;
}

/** One write: `controller` picks the v1 hierarchy (and names the controller in errors on v2). */
export interface CgroupWrite {
  controller: string;
  file: string;
  value: string;
}

/** What planning may look at in the cgroup as it is now (current limits, which files exist). */
export interface CgroupProbe {
  exists(controller: string, file: string): boolean;
  read(controller: string, file: string): string;
}

const refuse = (message: string) => new LibcontainerError('ERR_CGROUP', message);

function int(value: number | null | undefined, name: string): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (!Number.isSafeInteger(value)) throw refuse(`linux.resources.${name} must be an integer, got ${value}`);
  return value;
}
/** 0 and absent both mean "leave as is". */
const set = (value: number | null | undefined, name: string) => {
  const n = int(value, name);
  return n === 0 ? undefined : n;
};

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.values(value).every(isEmpty);
  return false;
}

function refuseUnimplemented(r: LinuxResources): void {
  for (const key of ['blockIO', 'hugepageLimits', 'network', 'rdma'] as const) {
    if (!isEmpty(r[key]))
      throw refuse(`linux.resources.${key} is not supported by the Berth cgroup manager yet`);
  }
}

/**
 * cgroup v1 cpu.shares [2, 262144], default 1024 → v2 cpu.weight [1, 10000], default 100. The
 * quadratic-in-log2 curve of runc ≥ 1.3 / crun: it maps min, default and max onto each other
 * (the old linear formula turned the default 1024 into 39). 0 stays 0 ("unset").
 */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= 262144) return 10000;
  const l = Math.log2(shares);
  return Math.ceil(10 ** ((l * l + 125 * l) / 612 - 7 / 34));
}

/** The inverse of sharesToWeight (up to rounding), for reading a v2 weight back as shares. */
export function weightToShares(weight: number): number {
  if (weight === 0) return 0;
  if (weight <= 1) return 2;
  if (weight >= 10000) return 262144;
  const e = Math.log10(weight) + 7 / 34;
  const l = (-125 + Math.sqrt(125 * 125 + 4 * 612 * e)) / 2;
  return Math.round(2 ** l);
}

/** OCI swap (memory + swap) → v2 memory.swap.max (swap alone). undefined: leave as is. */
export function swapToV2(swap: number | undefined, limit: number | undefined): string | undefined {
  if (limit === -1 && swap === undefined) return 'max'; // "unlimited memory" means unlimited swap too
  if (swap === undefined) return undefined;
  if (swap === -1) return 'max';
  if (limit === undefined || limit === -1) throw refuse('linux.resources.memory.swap needs a memory limit');
  if (swap < limit) throw refuse(`linux.resources.memory.swap (${swap}) must be >= memory.limit (${limit})`);
  return String(swap - limit);
}

const maxOr = (n: number) => (n < 0 ? 'max' : String(n));

function deviceRule(d: NonNullable<LinuxResources['devices']>[number]): string {
  const num = (n: number | null | undefined) => (n === null || n === undefined || n < 0 ? '*' : String(n));
  return `${d.type ?? 'a'} ${num(d.major)}:${num(d.minor)} ${d.access ?? 'rwm'}`;
}

export function planV1(r: LinuxResources, probe: CgroupProbe): CgroupWrite[] {
  refuseUnimplemented(r);
  if (!isEmpty(r.unified))
    throw refuse('linux.resources.unified needs cgroup v2; this host drives cgroup v1');
  const w: CgroupWrite[] = [];
  const put = (controller: string, file: string, value: string | number) =>
    w.push({ controller, file, value: String(value) });
  // cpuset first: a cgroup with empty cpus/mems cannot take processes.
  if (r.cpu?.cpus) put('cpuset', 'cpuset.cpus', r.cpu.cpus);
  if (r.cpu?.mems) put('cpuset', 'cpuset.mems', r.cpu.mems);

  const m = r.memory ?? {};
  const limit = set(m.limit, 'memory.limit');
  let swap = set(m.swap, 'memory.swap');
  const hasMemsw = probe.exists('memory', 'memory.memsw.limit_in_bytes');
  if (limit === -1 && swap === undefined && hasMemsw) swap = -1;
  if (swap !== undefined && swap !== -1 && !hasMemsw) {
    throw refuse(
      'linux.resources.memory.swap is set but this kernel has no swap accounting (memory.memsw.*)',
    );
  }
  if (!hasMemsw) swap = undefined;
  const writeLimit = () => limit !== undefined && put('memory', 'memory.limit_in_bytes', limit);
  const writeSwap = () => swap !== undefined && put('memory', 'memory.memsw.limit_in_bytes', swap);
  // The kernel keeps memsw >= limit at every step: when raising, memsw goes first.
  const current =
    limit !== undefined && swap !== undefined ? Number(probe.read('memory', 'memory.limit_in_bytes')) : 0;
  if (swap !== undefined && limit !== undefined && (swap === -1 || current < swap)) {
    writeSwap();
    writeLimit();
  } else {
    writeLimit();
    writeSwap();
  }
  const reservation = set(m.reservation, 'memory.reservation');
  if (reservation !== undefined) put('memory', 'memory.soft_limit_in_bytes', reservation);
  const swappiness = int(m.swappiness, 'memory.swappiness');
  if (swappiness !== undefined && swappiness >= 0) put('memory', 'memory.swappiness', swappiness);
  if (m.disableOOMKiller) put('memory', 'memory.oom_control', 1);

  const c = r.cpu ?? {};
  const shares = set(c.shares, 'cpu.shares');
  if (shares !== undefined) put('cpu', 'cpu.shares', shares);
  const period = set(c.period, 'cpu.period');
  if (period !== undefined) put('cpu', 'cpu.cfs_period_us', period);
  const quota = set(c.quota, 'cpu.quota');
  if (quota !== undefined) put('cpu', 'cpu.cfs_quota_us', quota < 0 ? -1 : quota);
  const burst = int(c.burst, 'cpu.burst');
  if (burst !== undefined) put('cpu', 'cpu.cfs_burst_us', burst);
  // rt_period before rt_runtime: the runtime must fit in the period.
  const rtPeriod = set(c.realtimePeriod, 'cpu.realtimePeriod');
  if (rtPeriod !== undefined) put('cpu', 'cpu.rt_period_us', rtPeriod);
  const rtRuntime = set(c.realtimeRuntime, 'cpu.realtimeRuntime');
  if (rtRuntime !== undefined) put('cpu', 'cpu.rt_runtime_us', rtRuntime);
  const idle = int(c.idle, 'cpu.idle');
  if (idle !== undefined) put('cpu', 'cpu.idle', idle);

  const pids = int(r.pids?.limit, 'pids.limit');
  if (pids !== undefined) put('pids', 'pids.max', maxOr(pids));

  // The v1 devices controller applies rules in order, as the spec asks.
  for (const d of r.devices ?? []) put('devices', d.allow ? 'devices.allow' : 'devices.deny', deviceRule(d));
  return w;
}

export function planV2(r: LinuxResources, probe: CgroupProbe): CgroupWrite[] {
  refuseUnimplemented(r);
  // v2 has no devices files: rules need an eBPF program. Allow-only lists change nothing (v2
  // allows everything without a program); a deny rule we cannot enforce is refused, not dropped.
  if (r.devices?.some((d) => !d.allow)) {
    throw refuse(
      'linux.resources.devices deny rules need an eBPF device program on cgroup v2 (not implemented)',
    );
  }
  const w: CgroupWrite[] = [];
  const put = (controller: string, file: string, value: string | number) =>
    w.push({ controller, file, value: String(value) });
  if (r.cpu?.cpus) put('cpuset', 'cpuset.cpus', r.cpu.cpus);
  if (r.cpu?.mems) put('cpuset', 'cpuset.mems', r.cpu.mems);

  const m = r.memory ?? {};
  const limit = set(m.limit, 'memory.limit');
  const swap = set(m.swap, 'memory.swap');
  if (m.checkBeforeUpdate && limit !== undefined && limit > 0) {
    // v2 OOM-kills instead of refusing a limit below usage; the spec lets us refuse like v1.
    const usage = Number(probe.read('memory', 'memory.current'));
    if (usage > limit)
      throw refuse(`memory limit ${limit} is below the current usage ${usage} (checkBeforeUpdate)`);
  }
  let limitForSwap = limit;
  if (swap !== undefined && swap !== -1 && limit === undefined) {
    const cur = probe.read('memory', 'memory.max').trim();
    limitForSwap = cur === 'max' ? undefined : Number(cur);
  }
  const swapMax = swapToV2(swap, limitForSwap);
  if (swapMax !== undefined) {
    if (probe.exists('memory', 'memory.swap.max')) put('memory', 'memory.swap.max', swapMax);
    else if (swapMax !== 'max')
      throw refuse('linux.resources.memory.swap is set but this kernel has no memory.swap.max');
  }
  if (limit !== undefined) put('memory', 'memory.max', maxOr(limit));
  const reservation = set(m.reservation, 'memory.reservation');
  if (reservation !== undefined) put('memory', 'memory.low', maxOr(reservation));
  if (int(m.swappiness, 'memory.swappiness') !== undefined && m.swappiness !== -1) {
    throw refuse('linux.resources.memory.swappiness has no cgroup v2 equivalent');
  }
  if (m.disableOOMKiller)
    throw refuse('linux.resources.memory.disableOOMKiller is not available on cgroup v2');

  const c = r.cpu ?? {};
  const shares = set(c.shares, 'cpu.shares');
  if (shares !== undefined) put('cpu', 'cpu.weight', sharesToWeight(shares));
  const quota = set(c.quota, 'cpu.quota');
  const period = set(c.period, 'cpu.period');
  // "max" alone keeps the period; a period alone keeps no quota (as runc does).
  if (quota !== undefined || period !== undefined) {
    const q = quota !== undefined && quota > 0 ? String(quota) : 'max';
    put('cpu', 'cpu.max', period !== undefined ? `${q} ${period}` : q);
  }
  const burst = int(c.burst, 'cpu.burst');
  if (burst !== undefined) put('cpu', 'cpu.max.burst', burst);
  if (
    set(c.realtimeRuntime, 'cpu.realtimeRuntime') !== undefined ||
    set(c.realtimePeriod, 'cpu.realtimePeriod')
  ) {
    throw refuse('linux.resources.cpu realtime settings are not available on cgroup v2');
  }
  const idle = int(c.idle, 'cpu.idle');
  if (idle !== undefined) put('cpu', 'cpu.idle', idle);

  const pids = int(r.pids?.limit, 'pids.limit');
  if (pids !== undefined) put('pids', 'pids.max', maxOr(pids));

  // Raw v2 keys last, so they win; they must name a file in this cgroup, nothing else.
  for (const [file, value] of Object.entries(r.unified ?? {})) {
    if (!/^[a-z][a-z0-9_]*\.[a-z0-9_.]+$/.test(file))
      throw refuse(`linux.resources.unified key ${JSON.stringify(file)} is not a cgroup file name`);
    put(file.slice(0, file.indexOf('.')), file, value);
  }
  return w;
}
