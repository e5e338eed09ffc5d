import { parseFlatKeyed, parseLimit } from './files.js';

/**
 * One shape for v1 and v2. Bytes and nanoseconds as numbers: exact up to 2^53 (9 PB, or 104 days
 * of CPU time), which is beyond what a container's counters reach in practice.
 */
export interface CgroupStats {
  memory: {
    /** Bytes charged now (v1 memory.usage_in_bytes, which includes page cache; v2 memory.current). */
    usage: number;
    /** null when unlimited. */
    limit: number | null;
    /** High-water mark (v1 memory.max_usage_in_bytes; v2 memory.peak, kernel ≥ 5.19), else null. */
    maxUsage: number | null;
    /** Anonymous memory (v1 total_rss, v2 anon). */
    anon: number;
    /** Page cache (v1 total_cache, v2 file). */
    file: number;
    /** Processes the kernel OOM-killed in this cgroup. */
    oomKills: number;
  };
  cpu: {
    usageNs: number;
    userNs: number;
    systemNs: number;
    /** CFS bandwidth: enforcement periods, periods throttled, time throttled. */
    periods: number;
    throttledPeriods: number;
    throttledNs: number;
  };
  pids: { current: number; limit: number | null };
}

/** Reads one interface file of a controller: required files throw ERR_CGROUP, optional ones give undefined. */
export interface StatsReader {
  read(controller: string, file: string): string;
  optional(controller: string, file: string): string | undefined;
}

const num = (text: string | undefined) => (text === undefined ? 0 : Number(text.trim()));
const key = (m: Map<string, number>, k: string) => m.get(k) ?? 0;

/** USER_HZ is 100 on every Linux ABI Node runs on; cpuacct.stat counts in those ticks. */
const NS_PER_TICK = 10_000_000;

export function readStatsV1(r: StatsReader, oomKills: number): CgroupStats {
  const mem = parseFlatKeyed(r.read('memory', 'memory.stat'));
  const cpuStat = parseFlatKeyed(r.read('cpu', 'cpu.stat'));
  // cpuacct.usage_user/_sys (ns, kernel ≥ 4.7) are exact; cpuacct.stat is in ticks.
  const user = r.optional('cpuacct', 'cpuacct.usage_user');
  const sys = r.optional('cpuacct', 'cpuacct.usage_sys');
  const ticks =
    user === undefined || sys === undefined ? parseFlatKeyed(r.read('cpuacct', 'cpuacct.stat')) : undefined;
  const maxUsage = r.optional('memory', 'memory.max_usage_in_bytes');
  return {
    memory: {
      usage: num(r.read('memory', 'memory.usage_in_bytes')),
      limit: parseLimit(r.read('memory', 'memory.limit_in_bytes')),
      maxUsage: maxUsage === undefined ? null : num(maxUsage),
      anon: key(mem, 'total_rss'),
      file: key(mem, 'total_cache'),
      oomKills,
    },
    cpu: {
      usageNs: num(r.read('cpuacct', 'cpuacct.usage')),
      userNs: ticks ? key(ticks, 'user') * NS_PER_TICK : num(user),
      systemNs: ticks ? key(ticks, 'system') * NS_PER_TICK : num(sys),
      periods: key(cpuStat, 'nr_periods'),
      throttledPeriods: key(cpuStat, 'nr_throttled'),
      throttledNs: key(cpuStat, 'throttled_time'),
    },
    pids: { current: num(r.read('pids', 'pids.current')), limit: parseLimit(r.read('pids', 'pids.max')) },
  };
}

export function readStatsV2(r: StatsReader, oomKills: number): CgroupStats {
  const mem = parseFlatKeyed(r.read('memory', 'memory.stat'));
  const cpu = parseFlatKeyed(r.read('cpu', 'cpu.stat'));
  const peak = r.optional('memory', 'memory.peak');
  return {
    memory: {
      usage: num(r.read('memory', 'memory.current')),
      limit: parseLimit(r.read('memory', 'memory.max')),
      maxUsage: peak === undefined ? null : num(peak),
      anon: key(mem, 'anon'),
      file: key(mem, 'file'),
      oomKills,
    },
    cpu: {
      usageNs: key(cpu, 'usage_usec') * 1000,
      userNs: key(cpu, 'user_usec') * 1000,
      systemNs: key(cpu, 'system_usec') * 1000,
      periods: key(cpu, 'nr_periods'),
      throttledPeriods: key(cpu, 'nr_throttled'),
      throttledNs: key(cpu, 'throttled_usec') * 1000,
    },
    pids: { current: num(r.read('pids', 'pids.current')), limit: parseLimit(r.read('pids', 'pids.max')) },
  };
}
