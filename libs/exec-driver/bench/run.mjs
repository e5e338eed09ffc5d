// berth-runtime run vs runc run vs crun run of the same busybox bundle (`true`), whole
// process each time, interleaved A B C D A B C D… so that machine drift cancels; plus a bare
// `node -e 0` to show what Node's own start-up costs. Prints medians and ratios.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs } from '@berth/fixtures';
import { ExecDriver, specFromImage } from '../dist/index.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const cli = join(import.meta.dirname, '../dist/cli.cjs');
const dir = mkdtempSync(join(tmpdir(), 'berth-bench-'));
const bundle = join(dir, 'bundle');
spawnSync('mkdir', ['-p', bundle]);
spawnSync('cp', ['-a', await busyboxRootfs(), join(bundle, 'rootfs')]);
const spec = await specFromImage(undefined, {
  rootfs: join(bundle, 'rootfs'),
  rootPath: 'rootfs',
  cmd: ['true'],
  hostname: 'bench',
});
// crun 1.8 refuses ociVersion 1.2.0 ("unknown version specified"); all three accept 1.0.2.
spec.ociVersion = '1.0.2';
writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec, null, 2));

let n = 0;
const candidates = {
  'node -e 0': () => [process.execPath, ['-e', '0']],
  'berth-runtime run': () => [
    process.execPath,
    [cli, '--root', join(dir, 'berth'), 'run', '--bundle', bundle, `berth-bench-${n++}`],
  ],
  'runc run': () => ['runc', ['--root', join(dir, 'runc'), 'run', '--bundle', bundle, `berth-bench-${n++}`]],
  'crun run': () => ['crun', ['--root', join(dir, 'crun'), 'run', '--bundle', bundle, `berth-bench-${n++}`]],
};

const times = Object.fromEntries(Object.keys(candidates).map((k) => [k, []]));
const failures = {};
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, make] of Object.entries(candidates)) {
      if (failures[name]) continue;
      const [cmd, args] = make();
      const t0 = process.hrtime.bigint();
      const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0)
        failures[name] = (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').pop();
      else times[name].push(ms);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  await new ExecDriver().removeCgroupParent();
}

const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length ? s[Math.floor(s.length / 2)] : Number.NaN;
};
const med = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
console.log(`${ROUNDS} rounds, interleaved; median wall time per whole process`);
for (const [name, m] of Object.entries(med))
  console.log(`  ${name.padEnd(20)} ${failures[name] ? `FAILED: ${failures[name]}` : `${m.toFixed(1)} ms`}`);
const berth = med['berth-runtime run'];
const node = med['node -e 0'];
if (!failures['runc run']) console.log(`  berth-runtime / runc  ${(berth / med['runc run']).toFixed(2)}x`);
if (!failures['crun run']) console.log(`  berth-runtime / crun  ${(berth / med['crun run']).toFixed(2)}x`);
console.log(
  `  berth-runtime / node -e 0  ${(berth / node).toFixed(2)}x; berth-runtime - node -e 0 = ${(berth - node).toFixed(1)} ms (target <= 15 ms)`,
);
