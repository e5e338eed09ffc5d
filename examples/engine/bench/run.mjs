// berthd against dockerd and podman on the same busybox image and command, whole CLI process
// each time, interleaved (A B C D, A B C D …) so machine drift cancels; medians and ratios.
// Also: idle RSS of berthd against dockerd + containerd, and 50 `run -d` in a row.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxImage } from '@berth/fixtures';
import { DOCKER, podmanCommand, startBerthd, startDockerd, unmountBelow } from './engines.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const MANY = Number(process.env.BENCH_MANY ?? 50);
const IDLE_SETTLE_MS = Number(process.env.BENCH_IDLE_SETTLE_MS ?? 15_000);
const dist = join(import.meta.dirname, '..', process.env.BERTH_ENGINE_DIST ?? 'dist');
const berthCli = join(dist, 'berth.js');
const dir = mkdtempSync(join(tmpdir(), 'berth-bench-engine-'));

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? s[Math.floor(s.length / 2)] : Number.NaN;
};
const timed = (cmd, args) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || `exit ${r.status}`).trim()}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
};

// An empty daemon.json for both daemons, so neither reads the host's /etc config.
writeFileSync(join(dir, 'no-daemon.json'), '{}');
const archive = join(dir, 'busybox.tar');
execFileSync('skopeo', [
  'copy',
  '-q',
  `oci:${(await busyboxImage()).layout}:latest`,
  `docker-archive:${archive}:docker.io/library/busybox:latest`,
]);

const berthd = await startBerthd(dir, dist);
const dockerd = await startDockerd(dir, archive);
const podman = podmanCommand(dir, archive);
const skipped = [dockerd, podman].filter((e) => e.skipped).map((e) => e.skipped);

const onBerth = (args) => [DOCKER, ['-H', `unix://${berthd.socket}`, ...args]];
const run = (net) => ['run', '--rm', ...net, 'busybox', 'true'];
const candidates = {};
for (const [label, net] of [
  ['bridge', []],
  ['none', ['--network', 'none']],
]) {
  candidates[`berth run (${label})`] = () => [
    process.execPath,
    [berthCli, '-H', `unix://${berthd.socket}`, ...run(net)],
  ];
  candidates[`docker CLI -> berthd (${label})`] = () => onBerth(run(net));
  if (!dockerd.skipped)
    candidates[`docker CLI -> dockerd (${label})`] = () => [
      DOCKER,
      ['-H', `unix://${dockerd.socket}`, ...run(net)],
    ];
  if (!podman.skipped) candidates[`podman run (${label})`] = () => ['podman', podman.args(net)];
}

const times = Object.fromEntries(Object.keys(candidates).map((k) => [k, []]));
const failures = {};
try {
  for (const make of Object.values(candidates)) {
    const [cmd, args] = make();
    spawnSync(cmd, args, { stdio: 'ignore' }); // warm caches once each
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, make] of Object.entries(candidates)) {
      if (failures[name]) continue;
      try {
        times[name].push(timed(...make()));
      } catch (err) {
        failures[name] = err.message.split('\n').pop();
      }
    }
  }
  // RSS right after the rounds, and once both have been quiet for a while (Go's scavenger and
  // berthd's idle trim both give memory back after a few seconds).
  const rss = () => ({ berthd: berthd.rssKiB(), ...(dockerd.skipped ? {} : { dockerd: dockerd.rssKiB() }) });
  const afterBurst = rss();
  await new Promise((r) => setTimeout(r, IDLE_SETTLE_MS));
  const idle = rss();

  const many = {};
  for (const engine of [berthd, dockerd]) {
    if (engine.skipped) continue;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < MANY; i++) {
      execFileSync(
        DOCKER,
        ['-H', `unix://${engine.socket}`, 'run', '-d', '--network', 'none', 'busybox', 'sleep', '600'],
        {
          stdio: 'ignore',
        },
      );
    }
    many[engine.name] = Number(process.hrtime.bigint() - t0) / 1e6;
    const ids = execFileSync(DOCKER, ['-H', `unix://${engine.socket}`, 'ps', '-aq'], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    spawnSync(DOCKER, ['-H', `unix://${engine.socket}`, 'rm', '-f', ...ids], { stdio: 'ignore' });
  }

  console.log(`engine bench: busybox true, whole CLI process, median of ${ROUNDS} interleaved rounds`);
  for (const [name, xs] of Object.entries(times)) {
    if (failures[name]) {
      console.log(`  ${name.padEnd(34)} failed: ${failures[name]}`);
      continue;
    }
    const net = name.endsWith('(none)') ? 'none' : 'bridge';
    const ref = times[`docker CLI -> dockerd (${net})`];
    const ratio = ref?.length ? `  ${(median(xs) / median(ref)).toFixed(2)}× dockerd` : '';
    console.log(`  ${name.padEnd(34)} ${median(xs).toFixed(0).padStart(5)} ms${ratio}`);
  }
  for (const net of ['bridge', 'none']) {
    const p = times[`podman run (${net})`];
    if (p?.length) {
      console.log(
        `  berth run / podman run (${net}): ${(median(times[`berth run (${net})`]) / median(p)).toFixed(2)}×`,
      );
    }
  }
  const mib = (k) => (k / 1024).toFixed(1);
  const rssLine = (r) =>
    `berthd ${mib(r.berthd)} MiB${r.dockerd ? `, dockerd + containerd ${mib(r.dockerd)} MiB` : ''}`;
  console.log(`  RSS right after the rounds: ${rssLine(afterBurst)}`);
  console.log(`  idle RSS (${IDLE_SETTLE_MS / 1000} s later): ${rssLine(idle)}`);
  for (const [name, ms] of Object.entries(many))
    console.log(`  ${MANY} × run -d (${name}): ${(ms / 1000).toFixed(2)} s`);
  if (many.berthd && many.dockerd)
    console.log(`  ${MANY} × run -d ratio: ${(many.berthd / many.dockerd).toFixed(2)}× dockerd`);
  for (const why of skipped) console.log(`  not measured: ${why}`);
  console.log(
    '  targets: docker CLI -> berthd ≤ 0.33× dockerd; berth run < podman; berthd idle < 60 MiB; 50 run -d < 0.33× dockerd',
  );
} finally {
  await berthd.stop();
  if (!dockerd.skipped) await dockerd.stop();
  if (!podman.skipped) podman.cleanup();
  unmountBelow(dir);
  rmSync(dir, { recursive: true, force: true });
}
