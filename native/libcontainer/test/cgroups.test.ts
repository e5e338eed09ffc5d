import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { layoutFrom, parseMountinfo, parseProcCgroup } from '../src/cgroups/detect.js';
import { type CgroupProbe, planV1, planV2 } from '../src/cgroups/resources.js';
import {
  type CgroupLayout,
  type CgroupManager,
  detectCgroups,
  isLibcontainerError,
  normalizeCgroupPath,
  openCgroup,
  sharesToWeight,
  weightToShares,
} from '../src/index.js';

const MiB = 1024 * 1024;
const isRoot = process.getuid?.() === 0;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const read = (f: string) => readFileSync(f, 'utf8').trim();

function expectCgroupError(fn: () => unknown, ...mentions: string[]) {
  try {
    fn();
  } catch (err) {
    expect(isLibcontainerError(err, 'ERR_CGROUP'), String(err)).toBe(true);
    for (const m of mentions) expect((err as Error).message).toContain(m);
    return err as Error & { path?: string; errnoCode?: string };
  }
  return expect.unreachable('expected an ERR_CGROUP error');
}

describe('cgroups: pure parts', () => {
  it('finds hybrid, v1 (co-mounted cpu,cpuacct) and pure v2 layouts from mountinfo + /proc/self/cgroup', () => {
    const hybrid = parseMountinfo(
      [
        '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
        '32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
        '35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
        '40 31 0:37 / /sys/fs/cgroup/sys\\040temd rw,relatime - cgroup cgroup rw,xattr,name=systemd',
        '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate',
        '50 31 0:39 / /elsewhere/memory rw - cgroup cgroup rw,memory',
      ].join('\n'),
    );
    const procs = parseProcCgroup('9:name=systemd:/\n4:memory:/x\n1:cpu,cpuacct:/\n0::/\n');
    expect(procs).toEqual([['name=systemd'], ['memory'], ['cpu', 'cpuacct']]);
    const h = layoutFrom('/sys/fs/cgroup', hybrid, procs, () => ['hugetlb']);
    expect(h.mode).toBe('hybrid');
    expect(h.v1.map((x) => x.mountPoint)).toEqual([
      '/sys/fs/cgroup/sys temd',
      '/sys/fs/cgroup/memory',
      '/sys/fs/cgroup/cpu,cpuacct',
    ]);
    expect(h.unified).toEqual({ mountPoint: '/sys/fs/cgroup/unified', controllers: ['hugetlb'] });
    const v1 = layoutFrom('/sys/fs/cgroup', hybrid.slice(0, 3), procs, () => []);
    expect(v1.mode).toBe('v1');
    const v2 = layoutFrom(
      '/sys/fs/cgroup',
      parseMountinfo('30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot'),
      parseProcCgroup('0::/user.slice\n'),
      () => ['cpu', 'memory', 'pids'],
    );
    expect(v2).toMatchObject({ mode: 'v2', v1: [], unified: { mountPoint: '/sys/fs/cgroup' } });
  });

  it('normalizes OCI cgroupsPath and refuses paths that leave the hierarchy', () => {
    expect(normalizeCgroupPath('berth/abc/')).toBe('/berth/abc');
    expect(normalizeCgroupPath('/berth//abc')).toBe('/berth/abc');
    expectCgroupError(() => normalizeCgroupPath('berth/../../etc'), 'invalid cgroups path');
    expectCgroupError(() => normalizeCgroupPath('/'), 'invalid cgroups path');
  });

  it('converts cpu shares to weight like runc (min, default and max line up) and back', () => {
    expect([0, 2, 512, 1024, 2048, 262144].map(sharesToWeight)).toEqual([0, 1, 59, 100, 174, 10000]);
    expect(weightToShares(100)).toBe(1024);
    for (const s of [100, 512, 1024, 4096, 100000]) {
      expect(Math.abs(weightToShares(sharesToWeight(s)) - s) / s).toBeLessThan(0.05);
    }
  });

  const probe = (files: Record<string, string>): CgroupProbe => ({
    exists: (_c, f) => f in files,
    read: (_c, f) => files[f] ?? expect.unreachable(`read of ${f}`),
  });
  const files = (ws: { file: string; value: string }[]) => ws.map((w) => `${w.file}=${w.value}`);

  it('v1: orders memory and memsw writes so memsw >= limit holds at every step', () => {
    const memsw = { 'memory.memsw.limit_in_bytes': '', 'memory.limit_in_bytes': String(32 * MiB) };
    const raise = planV1({ memory: { limit: 64 * MiB, swap: 128 * MiB } }, probe(memsw));
    expect(files(raise)).toEqual([
      `memory.memsw.limit_in_bytes=${128 * MiB}`,
      `memory.limit_in_bytes=${64 * MiB}`,
    ]);
    const lower = planV1(
      { memory: { limit: 16 * MiB, swap: 32 * MiB } },
      probe({ ...memsw, 'memory.limit_in_bytes': String(128 * MiB) }),
    );
    expect(files(lower)).toEqual([
      `memory.limit_in_bytes=${16 * MiB}`,
      `memory.memsw.limit_in_bytes=${32 * MiB}`,
    ]);
    // Unlimited memory with swap unset means unlimited memsw too.
    expect(files(planV1({ memory: { limit: -1 } }, probe(memsw)))).toEqual([
      'memory.memsw.limit_in_bytes=-1',
      'memory.limit_in_bytes=-1',
    ]);
    expectCgroupError(() => planV1({ memory: { limit: MiB, swap: 2 * MiB } }, probe({})), 'swap accounting');
    expect(files(planV1({ memory: { limit: MiB, swap: -1 } }, probe({})))).toEqual([
      `memory.limit_in_bytes=${MiB}`,
    ]);
  });

  it('v1: maps cpu, cpuset, pids and devices; 0 is a real pids limit', () => {
    const ws = planV1(
      {
        cpu: { shares: 512, quota: -1, period: 100000, cpus: '0', mems: '0' },
        pids: { limit: 0 },
        devices: [
          { allow: false, access: 'rwm' },
          { allow: true, type: 'c', major: 1, minor: 3, access: 'rw' },
        ],
      },
      probe({}),
    );
    expect(files(ws)).toEqual([
      'cpuset.cpus=0',
      'cpuset.mems=0',
      'cpu.shares=512',
      'cpu.cfs_period_us=100000',
      'cpu.cfs_quota_us=-1',
      'pids.max=0',
      'devices.deny=a *:* rwm',
      'devices.allow=c 1:3 rw',
    ]);
    expect(files(planV1({ pids: { limit: -1 } }, probe({})))).toEqual(['pids.max=max']);
  });

  it('v2: converts swap (memory+swap → swap only), quota/period and refuses what it cannot enforce', () => {
    const p = probe({
      'memory.swap.max': 'max',
      'memory.max': String(64 * MiB),
      'memory.current': String(10 * MiB),
    });
    expect(files(planV2({ memory: { limit: 64 * MiB, swap: 96 * MiB, reservation: 8 * MiB } }, p))).toEqual([
      `memory.swap.max=${32 * MiB}`,
      `memory.max=${64 * MiB}`,
      `memory.low=${8 * MiB}`,
    ]);
    expect(files(planV2({ memory: { limit: -1 } }, p))).toEqual(['memory.swap.max=max', 'memory.max=max']);
    // swap alone is taken against the current memory.max
    expect(files(planV2({ memory: { swap: 128 * MiB } }, p))).toEqual([`memory.swap.max=${64 * MiB}`]);
    expectCgroupError(
      () => planV2({ memory: { limit: 64 * MiB, swap: 32 * MiB } }, p),
      'must be >= memory.limit',
    );
    expectCgroupError(
      () => planV2({ memory: { limit: MiB, checkBeforeUpdate: true } }, p),
      'below the current usage',
    );
    expect(files(planV2({ cpu: { quota: 50000 } }, p))).toEqual(['cpu.max=50000']);
    expect(files(planV2({ cpu: { period: 20000 } }, p))).toEqual(['cpu.max=max 20000']);
    expect(files(planV2({ cpu: { shares: 1024, quota: -1, period: 100000 } }, p))).toEqual([
      'cpu.weight=100',
      'cpu.max=max 100000',
    ]);
    expectCgroupError(() => planV2({ devices: [{ allow: false, access: 'rwm' }] }, p), 'eBPF');
    expect(planV2({ devices: [{ allow: true, access: 'rwm' }] }, p)).toEqual([]);
    expectCgroupError(() => planV2({ unified: { '../cgroup.procs': '1' } }, p), 'not a cgroup file name');
  });

  it('refuses unimplemented or malformed settings instead of dropping them; empty Docker-style objects pass', () => {
    expectCgroupError(() => planV1({ blockIO: { weight: 100 } }, probe({})), 'blockIO');
    expectCgroupError(() => planV1({ memory: { limit: 1.5 } }, probe({})), 'must be an integer');
    expectCgroupError(() => planV1({ unified: { 'memory.high': '1' } }, probe({})), 'needs cgroup v2');
    expect(
      planV1({ blockIO: { weightDevice: [] }, hugepageLimits: [], memory: { kernel: 5 } }, probe({})),
    ).toEqual([]);
  });
});

/**
 * This host binds every controller to v1; its cgroup2 mount (/sys/fs/cgroup/unified) has only
 * hugetlb, and a second cgroup2 mount would show that same hierarchy, so v2 controllers cannot
 * be exercised against the kernel here. The real-kernel tests further down go through
 * openCgroup, so on a pure-v2 host they drive CgroupV2 for real; here the v2 manager runs
 * against a temp directory laid out like the kernel's (interface files made up front, since a
 * plain mkdir does not create them; the "kernel side" of a change is a test write).
 */
describe('cgroups v2 manager against a temp directory shaped like the unified hierarchy', () => {
  let root: string;
  let m: CgroupManager;
  const leaf = () => join(root, 'berth', 'ctr');
  const leafFiles = [
    'cgroup.procs',
    'cgroup.freeze',
    'cgroup.events',
    'cgroup.kill',
    'memory.max',
    'memory.swap.max',
    'memory.low',
    'memory.high',
    'memory.current',
    'memory.peak',
    'memory.stat',
    'memory.events',
    'cpu.weight',
    'cpu.max',
    'cpu.stat',
    'cpuset.cpus',
    'cpuset.mems',
    'pids.max',
    'pids.current',
  ];

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'berth-cg2-'));
    for (const dir of [root, join(root, 'berth')]) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids\n');
      writeFileSync(join(dir, 'cgroup.subtree_control'), '\n');
    }
    mkdirSync(leaf());
    for (const f of leafFiles) writeFileSync(join(leaf(), f), '');
    writeFileSync(join(leaf(), 'memory.max'), 'max\n');
    writeFileSync(join(leaf(), 'cgroup.events'), 'populated 0\nfrozen 0\n');
    writeFileSync(join(leaf(), 'memory.events'), 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n');
    const layout: CgroupLayout = { mode: 'v2', root, v1: [], unified: { mountPoint: root, controllers: [] } };
    m = openCgroup('berth/ctr', { layout });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('enables controllers in every parent and writes resources to the v2 files', () => {
    m.create({
      memory: { limit: 64 * MiB, swap: 96 * MiB, reservation: 32 * MiB },
      cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0' },
      pids: { limit: 10 },
      unified: { 'memory.high': String(60 * MiB) },
    });
    expect(m.version).toBe(2);
    for (const dir of [root, join(root, 'berth')]) {
      expect(read(join(dir, 'cgroup.subtree_control'))).toBe('+cpuset +cpu +io +memory +hugetlb +pids');
    }
    const at = (f: string) => read(join(leaf(), f));
    expect(at('memory.max')).toBe(String(64 * MiB));
    expect(at('memory.swap.max')).toBe(String(32 * MiB));
    expect(at('memory.low')).toBe(String(32 * MiB));
    expect(at('memory.high')).toBe(String(60 * MiB));
    expect(at('cpu.weight')).toBe('59');
    expect(at('cpu.max')).toBe('50000 100000');
    expect(at('cpuset.cpus')).toBe('0');
    expect(at('pids.max')).toBe('10');
    expect(m.procsFiles()).toEqual([join(leaf(), 'cgroup.procs')]);
    m.addProcess(4242);
    expect(at('cgroup.procs')).toBe('4242');
  });

  it('names the controller and the file when a controller is not enabled', () => {
    const err = expectCgroupError(
      () => m.update({ unified: { 'io.max': '8:0 rbps=1' } }),
      'io controller',
      'io.max',
    );
    expect(err.path).toBe(join(leaf(), 'io.max'));
  });

  it('reads stats and OOM kills from the v2 files into the common shape', () => {
    const put = (f: string, v: string) => writeFileSync(join(leaf(), f), v);
    put('memory.current', '1000\n');
    put('memory.peak', '5000\n');
    put('memory.stat', 'anon 300\nfile 600\nkernel 7\n');
    put('memory.events', 'oom 2\noom_kill 2\n');
    put(
      'cpu.stat',
      'usage_usec 10\nuser_usec 6\nsystem_usec 4\nnr_periods 8\nnr_throttled 3\nthrottled_usec 2\n',
    );
    put('pids.current', '2\n');
    put('pids.max', 'max\n');
    expect(m.stats()).toEqual({
      memory: { usage: 1000, limit: null, maxUsage: 5000, anon: 300, file: 600, oomKills: 2 },
      cpu: {
        usageNs: 10000,
        userNs: 6000,
        systemNs: 4000,
        periods: 8,
        throttledPeriods: 3,
        throttledNs: 2000,
      },
      pids: { current: 2, limit: null },
    });
    expect(m.oomKillCount()).toBe(2);
  });

  it('freeze/thaw wait for cgroup.events through inotify, and time out with ERR_CGROUP', async () => {
    const events = join(leaf(), 'cgroup.events');
    setTimeout(() => writeFileSync(events, 'populated 1\nfrozen 1\n'), 50);
    await m.freeze();
    expect(read(join(leaf(), 'cgroup.freeze'))).toBe('1');
    expect(m.state()).toBe('frozen');
    setTimeout(() => writeFileSync(events, 'populated 1\nfrozen 0\n'), 50);
    await m.thaw();
    expect(m.state()).toBe('thawed');
    await expect(m.freeze({ timeoutMs: 100 })).rejects.toMatchObject({ code: 'ERR_CGROUP' });
  });

  it('watchOom calls back when memory.events oom_kill grows', async () => {
    const seen = new Promise<number>((resolve) => {
      const w = m.watchOom((n) => {
        w.close();
        resolve(n);
      });
    });
    setTimeout(() => writeFileSync(join(leaf(), 'memory.events'), 'oom 1\noom_kill 1\n'), 50);
    expect(await seen).toBe(1);
  });
});

describe.skipIf(!isRoot)('cgroups on the real kernel', () => {
  const layout = isRoot ? detectCgroups() : undefined;
  let parent: string;
  let counter: string;
  let children: ChildProcessWithoutNullStreams[];

  beforeEach(() => {
    parent = `berth-test-${randomBytes(4).toString('hex')}`;
    counter = join(tmpdir(), `${parent}.counter`);
    children = [];
  });

  afterEach(async () => {
    for (const c of children)
      if (c.exitCode === null && c.signalCode === null) process.kill(c.pid!, 'SIGKILL');
    await openCgroup(parent).remove({ kill: true });
    rmSync(counter, { force: true });
    // Nothing left in any hierarchy.
    for (const mp of [...layout!.v1.map((h) => h.mountPoint), layout!.unified?.mountPoint]) {
      if (mp) expect(existsSync(join(mp, parent)), join(mp, parent)).toBe(false);
    }
  });

  /** A shell that waits for one line on stdin before running `script`, so it can join a cgroup first. */
  function gated(script: string) {
    const child = spawn('sh', ['-c', `read _; ${script}`], { stdio: 'pipe' });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exit = new Promise<{ code: number | null; signal: string | null }>((r) =>
      child.on('exit', (code, signal) => r({ code, signal })),
    );
    return {
      pid: child.pid!,
      release: () => child.stdin.end('\n'),
      exit,
      out: () => stdout,
      err: () => stderr,
    };
  }

  const open = () => openCgroup(`${parent}/ctr`);

  it('detects this host: v1 controllers mean v1 or hybrid, never v2', () => {
    const v1InUse = parseProcCgroup(readFileSync('/proc/self/cgroup', 'utf8'));
    if (v1InUse.length > 0) {
      expect(['v1', 'hybrid']).toContain(layout!.mode);
      expect(layout!.v1.some((h) => h.controllers.includes('memory'))).toBe(true);
      expect(open().version).toBe(1);
    } else {
      expect(layout!.mode).toBe('v2');
    }
  });

  it('creates the cgroup with limits the kernel reads back, and updates them in a valid order', () => {
    const m = open();
    m.create({
      memory: { limit: 64 * MiB, reservation: 32 * MiB },
      cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0' },
      pids: { limit: 10 },
    });
    for (const d of m.directories) expect(existsSync(d), d).toBe(true);
    const file = (name: string) => m.directories.map((d) => join(d, name)).find(existsSync)!;
    const swapFile = m.version === 1 ? 'memory.memsw.limit_in_bytes' : 'memory.swap.max';
    const hasSwap = file(swapFile) !== undefined;
    if (m.version === 1) {
      expect(read(file('memory.limit_in_bytes'))).toBe(String(64 * MiB));
      expect(read(file('memory.soft_limit_in_bytes'))).toBe(String(32 * MiB));
      expect(read(file('cpu.shares'))).toBe('512');
      expect(read(file('cpu.cfs_quota_us'))).toBe('50000');
      expect(read(file('cpu.cfs_period_us'))).toBe('100000');
      // The parent got its parent's cpus, or the container's cpuset could take no process.
      const cpusetDir = m.directories.find((d) => existsSync(join(d, 'cpuset.cpus')))!;
      expect(read(join(cpusetDir, '..', 'cpuset.cpus'))).not.toBe('');
    } else {
      expect(read(file('memory.max'))).toBe(String(64 * MiB));
      expect(read(file('memory.low'))).toBe(String(32 * MiB));
      expect(read(file('cpu.weight'))).toBe('59');
      expect(read(file('cpu.max'))).toBe('50000 100000');
    }
    expect(read(file('cpuset.cpus'))).toBe('0');
    expect(read(file('cpuset.mems'))).toBe('0');
    expect(read(file('pids.max'))).toBe('10');
    if (hasSwap) {
      // Raising both (swap first) then lowering both (limit first): each step must satisfy the kernel.
      m.update({ memory: { limit: 128 * MiB, swap: 256 * MiB } });
      m.update({ memory: { limit: 32 * MiB, swap: 48 * MiB } });
      const limitFile = m.version === 1 ? 'memory.limit_in_bytes' : 'memory.max';
      expect(read(file(limitFile))).toBe(String(32 * MiB));
      expect(read(file(swapFile))).toBe(String(m.version === 1 ? 48 * MiB : 16 * MiB));
    }
  });

  it('reports a refused write as ERR_CGROUP naming the file and value, and create leaves nothing behind', () => {
    const m = open();
    m.create();
    const err = expectCgroupError(() => m.update({ cpu: { cpus: '99' } }), 'cpuset.cpus', '"99"');
    expect(err.path).toMatch(/cpuset\.cpus$/);
    expect(err.errnoCode).toMatch(/^E[A-Z]+$/); // ERANGE on 6.18, EINVAL on older kernels

    const other = openCgroup(`${parent}/other`);
    expectCgroupError(() => other.create({ pids: { limit: 5 }, cpu: { cpus: '99' } }), 'cpuset.cpus');
    for (const d of other.directories) expect(existsSync(d), d).toBe(false);
  });

  it('a process added lands in every procs file, and /proc/<pid>/cgroup shows the path everywhere', async () => {
    const m = open();
    m.create();
    const p = gated('exec sleep 30');
    m.addProcess(p.pid);
    for (const f of m.procsFiles()) expect(read(f).split('\n'), f).toContain(String(p.pid));
    expect(m.pids()).toEqual([p.pid]);
    const lines = read(`/proc/${p.pid}/cgroup`).split('\n');
    for (const line of lines) expect(line.endsWith(`:${m.path}`), line).toBe(true);
    expect(m.procsFiles()).toHaveLength(lines.length);
  });

  it('a memory limit OOM-kills an allocator and oomKillCount goes up', async () => {
    const m = open();
    m.create({ memory: { limit: 32 * MiB } });
    // Where swap is accounted, cap memory+swap too, so the allocator cannot escape into swap.
    const swap = m.directories.some(
      (d) => existsSync(join(d, 'memory.memsw.limit_in_bytes')) || existsSync(join(d, 'memory.swap.max')),
    );
    if (swap) m.update({ memory: { limit: 32 * MiB, swap: 32 * MiB } });
    expect(m.oomKillCount()).toBe(0);
    let event: Promise<number> | undefined;
    if (m.version === 2) event = new Promise((r) => m.watchOom(r));
    else expectCgroupError(() => m.watchOom(() => {}), 'oomKillCount');
    const p = gated('exec python3 -c "a = bytearray(200 * 1024 * 1024)"');
    m.addProcess(p.pid);
    p.release();
    expect(await p.exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(m.oomKillCount()).toBe(1);
    if (event) expect(await event).toBe(1);
    const stats = m.stats();
    expect(stats.memory.oomKills).toBe(1);
    expect(stats.memory.limit).toBe(32 * MiB);
    if (stats.memory.maxUsage !== null) expect(stats.memory.maxUsage).toBeGreaterThan(16 * MiB);
  });

  it('a pids limit makes fork fail', async () => {
    const m = open();
    m.create({ pids: { limit: 5 } });
    // dash gives up at the first failed fork ("Cannot fork", exit 2); the sleeps it did start stay.
    const p = gated('for i in $(seq 50); do sleep 30 & done; echo spawned; wait');
    m.addProcess(p.pid);
    p.release();
    const { code } = await p.exit;
    expect(code).not.toBe(0);
    expect(p.out()).not.toContain('spawned');
    expect(p.err()).toMatch(/fork|temporarily unavailable/i);
    const left = m.pids();
    expect(left.length).toBeGreaterThan(0);
    expect(left.length).toBeLessThanOrEqual(5);
    expect(m.stats().pids).toEqual({ current: left.length, limit: 5 });
  });

  it('freeze stops a counting process and thaw lets it go on', async () => {
    const m = open();
    m.create();
    // One open for the whole loop (no truncate per number, which readers would catch half-done).
    const p = gated(`i=0; while :; do i=$((i+1)); echo $i; done > ${counter}`);
    m.addProcess(p.pid);
    p.release();
    const value = () => {
      const text = existsSync(counter) ? readFileSync(counter, 'utf8') : '';
      return Number(text.slice(0, text.lastIndexOf('\n')).split('\n').pop() || 0);
    };
    while (value() < 100) await delay(10);
    await m.freeze();
    expect(m.state()).toBe('frozen');
    const frozenAt = value();
    await delay(300);
    expect(value()).toBe(frozenAt);
    await m.thaw();
    expect(m.state()).toBe('thawed');
    await delay(100);
    expect(value()).toBeGreaterThan(frozenAt);
  });

  it('stats show CPU use, throttling, memory and pids of a busy process', async () => {
    const m = open();
    m.create({ cpu: { quota: 50000, period: 100000 } });
    // python3 starts after joining, so its heap is charged here (v1 does not move old charges).
    const p = gated('exec python3 -c "a = bytearray(8 * 1024 * 1024)\nwhile True: pass"');
    m.addProcess(p.pid);
    p.release();
    // At half a CPU python needs a moment to start; then let it run into the quota a few times.
    for (let i = 0; i < 100 && m.stats().memory.anon < 8 * MiB; i++) await delay(50);
    await delay(300);
    const s = m.stats();
    expect(s.cpu.usageNs).toBeGreaterThan(100_000_000);
    expect(s.cpu.userNs + s.cpu.systemNs).toBeGreaterThan(0);
    expect(s.cpu.periods).toBeGreaterThan(0);
    expect(s.cpu.throttledPeriods).toBeGreaterThan(0);
    expect(s.cpu.throttledNs).toBeGreaterThan(0);
    expect(s.memory.usage).toBeGreaterThan(8 * 1024 * 1024);
    expect(s.memory.anon).toBeGreaterThan(8 * 1024 * 1024);
    expect(s.memory.limit).toBeNull();
    expect(s.pids).toEqual({ current: 1, limit: null });
  });

  it('remove refuses a populated cgroup, kills everything with { kill: true } (even frozen), leaves no directory, and is idempotent', async () => {
    const m = open();
    m.create({ pids: { limit: 20 } });
    const p = gated('sleep 30 & sleep 30 & sleep 30 & wait');
    m.addProcess(p.pid);
    p.release();
    while (m.pids().length < 4) await delay(10);
    await expect(m.remove()).rejects.toMatchObject({ code: 'ERR_CGROUP' });
    for (const d of m.directories) expect(existsSync(d), d).toBe(true);
    await m.freeze();
    await m.remove({ kill: true });
    expect((await p.exit).signal).toBe('SIGKILL');
    for (const d of m.directories) expect(existsSync(d), d).toBe(false);
    expect(m.pids()).toEqual([]);
    await m.remove({ kill: true });
  });
});
