// Attach/detach time of a sandbox to a bridge network (veth pair, address, default route, state
// records), for 1 sandbox and for 100 on one bridge; batched iproute2 (the driver's choice)
// against one `ip` process per step; then `docker network connect`/`disconnect` on a private
// dockerd (Debian's docker.io) in the same run, where it can run here.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { batchedIp, NetworkDriver, perStepIp } from '@berth/network-driver';

const N = Number(process.env.BENCH_N ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const fmt = (xs) => `median ${median(xs).toFixed(1)} ms, mean ${mean(xs).toFixed(1)} ms (n=${xs.length})`;
async function time(fn) {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

if (process.getuid() !== 0) {
  console.log('skipped: the benchmark creates bridges and namespaces and needs root');
  process.exit(0);
}

async function benchDriver(label, links) {
  const root = mkdtempSync(join(tmpdir(), 'berth-bench-net-'));
  const prefix = `bb${Math.floor(Math.random() * 1e4).toString(36)}`;
  const d = await NetworkDriver.open({
    root,
    ifPrefix: prefix,
    table: `berth_bench_${prefix}`,
    defaultNetwork: { bridge: `${prefix}0`, subnet: '10.231.0.0/16' },
    dns: false,
    ipForward: false,
    links,
  });
  try {
    await d.createSandbox('one', { mode: 'bridge' });
    const one = { attach: [], detach: [] };
    for (let i = 0; i < ROUNDS; i++) {
      one.attach.push(await time(() => d.connect('one', 'bridge')));
      one.detach.push(await time(() => d.disconnect('one', 'bridge')));
    }
    const many = { attach: [], detach: [] };
    for (let i = 0; i < N; i++) await d.createSandbox(`s${i}`, { mode: 'bridge' });
    const totalAttach = await time(async () => {
      for (let i = 0; i < N; i++) many.attach.push(await time(() => d.connect(`s${i}`, 'bridge')));
    });
    const totalDetach = await time(async () => {
      for (let i = 0; i < N; i++) many.detach.push(await time(() => d.disconnect(`s${i}`, 'bridge')));
    });
    const withPorts = [];
    for (let i = 0; i < Math.min(ROUNDS, 10); i++) {
      withPorts.push(await time(() => d.connect('one', 'bridge', { ports: ['127.0.0.1::80/tcp'] })));
      await d.disconnect('one', 'bridge');
    }
    console.log(`${label}:`);
    console.log(`  1 sandbox    attach ${fmt(one.attach)}; detach ${fmt(one.detach)}`);
    console.log(
      `  ${N} sandboxes attach ${fmt(many.attach)} (total ${totalAttach.toFixed(0)} ms); detach ${fmt(many.detach)} (total ${totalDetach.toFixed(0)} ms)`,
    );
    console.log(`  1 sandbox    attach with a published port (nft -f of the table): ${fmt(withPorts)}`);
    return median(many.attach);
  } finally {
    await d.destroyAll();
    rmSync(root, { recursive: true, force: true });
  }
}

// A user-defined network with the embedded DNS: each attach also sets route_localnet and loads
// the 127.0.0.11 redirect table inside the namespace (same nsenter step as the ip batch).
async function benchDnsNetwork() {
  const root = mkdtempSync(join(tmpdir(), 'berth-bench-net-'));
  const prefix = `bd${Math.floor(Math.random() * 1e4).toString(36)}`;
  const d = await NetworkDriver.open({
    root,
    ifPrefix: prefix,
    table: `berth_bench_${prefix}`,
    defaultNetwork: false,
    dns: { port: 53, upstreams: [] },
    ipForward: false,
  });
  try {
    await d.createNetwork({ name: 'app', subnet: '10.233.0.0/16', bridge: `${prefix}a` });
    await d.createSandbox('one', { mode: 'bridge' });
    const one = { attach: [], detach: [] };
    for (let i = 0; i < ROUNDS; i++) {
      one.attach.push(await time(() => d.connect('one', 'app')));
      one.detach.push(await time(() => d.disconnect('one', 'app')));
    }
    const many = { attach: [], detach: [] };
    for (let i = 0; i < N; i++) await d.createSandbox(`s${i}`, { mode: 'bridge' });
    for (let i = 0; i < N; i++) many.attach.push(await time(() => d.connect(`s${i}`, 'app')));
    for (let i = 0; i < N; i++) many.detach.push(await time(() => d.disconnect(`s${i}`, 'app')));
    console.log(
      'berth, batched, user-defined network with embedded DNS (+ 127.0.0.11 redirect in the netns):',
    );
    console.log(`  1 sandbox    attach ${fmt(one.attach)}; detach ${fmt(one.detach)}`);
    console.log(`  ${N} sandboxes attach ${fmt(many.attach)}; detach ${fmt(many.detach)}`);
    return median(many.attach);
  } finally {
    await d.destroyAll();
    rmSync(root, { recursive: true, force: true });
  }
}

async function benchDocker() {
  const dockerd = '/usr/sbin/dockerd';
  const docker = '/usr/bin/docker';
  if (!existsSync(dockerd) || !existsSync(docker))
    return console.log('docker: skipped (Debian docker.io is not installed)');
  const { busyboxRootfs } = await import('@berth/fixtures').catch(() => ({}));
  if (!busyboxRootfs)
    return console.log('docker: skipped (@berth/fixtures not available for a busybox rootfs)');
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-dockerd-'));
  const sock = join(dir, 'docker.sock');
  const proc = spawn(
    dockerd,
    [
      `--data-root=${join(dir, 'data')}`,
      `--exec-root=${join(dir, 'exec')}`,
      `-H=unix://${sock}`,
      `--pidfile=${join(dir, 'docker.pid')}`,
      '--bridge=none',
      '--iptables=false',
      '--ip-forward=false',
      '--ip-masq=false',
    ],
    { stdio: ['ignore', 'ignore', 'ignore'], detached: false },
  );
  const dk = (...args) =>
    execFileSync(docker, ['-H', `unix://${sock}`, ...args], { encoding: 'utf8' }).trim();
  const ids = [];
  try {
    let up = false;
    for (let i = 0; i < 100 && !up && proc.exitCode === null; i++) {
      await sleep(200);
      try {
        dk('version');
        up = true;
      } catch {}
    }
    if (!up) return console.log('docker: skipped (the private dockerd did not come up)');
    const rootfs = await busyboxRootfs();
    execFileSync('sh', [
      '-c',
      `tar -C '${rootfs}' -c . | ${docker} -H unix://${sock} import - berthbench:latest`,
    ]);
    dk(
      'network',
      'create',
      '--subnet',
      '10.232.0.0/16',
      '-o',
      'com.docker.network.bridge.name=bbdock0',
      'bbdock',
    );
    const DN = Number(process.env.BENCH_DOCKER_N ?? Math.min(N, 30));
    for (let i = 0; i < DN; i++)
      ids.push(dk('run', '-d', '--network', 'none', 'berthbench:latest', 'sleep', '3600'));
    // Docker refuses a second network for a container in mode none; use the default 'bridge'-less
    // setup: disconnect from none first.
    for (const id of ids) dk('network', 'disconnect', 'none', id);
    const one = { attach: [], detach: [] };
    for (let i = 0; i < Math.min(ROUNDS, 10); i++) {
      one.attach.push(await time(async () => dk('network', 'connect', 'bbdock', ids[0])));
      one.detach.push(await time(async () => dk('network', 'disconnect', 'bbdock', ids[0])));
    }
    const many = { attach: [], detach: [] };
    for (const id of ids) many.attach.push(await time(async () => dk('network', 'connect', 'bbdock', id)));
    for (const id of ids) many.detach.push(await time(async () => dk('network', 'disconnect', 'bbdock', id)));
    console.log('docker network connect/disconnect (docker.io 20.10, private dockerd, CLI per call):');
    console.log(`  1 container    connect ${fmt(one.attach)}; disconnect ${fmt(one.detach)}`);
    console.log(`  ${DN} containers connect ${fmt(many.attach)}; disconnect ${fmt(many.detach)}`);
    const cli = [];
    for (let i = 0; i < 5; i++)
      cli.push(await time(async () => dk('version', '--format', '{{.Server.Version}}')));
    console.log(`  (of which the CLI round trip alone, \`docker version\`: ${fmt(cli)})`);
  } catch (err) {
    console.log(`docker: skipped (${String(err.message).split('\n')[0]})`);
  } finally {
    if (ids.length) {
      try {
        dk('rm', '-f', ...ids);
      } catch {}
    }
    try {
      dk('network', 'rm', 'bbdock');
    } catch {}
    proc.kill('SIGTERM');
    await new Promise((r) => (proc.exitCode !== null ? r() : proc.once('exit', r)));
    try {
      execFileSync('sh', [
        '-c',
        `grep ' ${dir}' /proc/self/mountinfo | cut -d' ' -f5 | sort -r | xargs -r -n1 umount -l`,
      ]);
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  }
}

const batched = await benchDriver(
  'berth, batched iproute2 (ip -batch on the host + nsenter ip -batch in the netns)',
  batchedIp,
);
await benchDriver('berth, one ip process per step', perStepIp);
const withDns = await benchDnsNetwork();
console.log(
  `target < 20 ms per attach: ${Math.max(batched, withDns) < 20 ? 'met' : 'NOT met'} (median ${batched.toFixed(1)} ms on the default network, ${withDns.toFixed(1)} ms on a DNS network, with ${N} on one bridge)`,
);
await benchDocker();
