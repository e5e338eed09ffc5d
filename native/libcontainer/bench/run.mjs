// Create + start + wait of `true` in a busybox rootfs: through the library in a warm Node
// process, against `crun run` and `runc run` of the same bundle, interleaved (A B C A B C…)
// so that drift on the machine hits all three alike. Prints medians and ratios.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxRootfs } from '@berth/fixtures';
import { createContainer } from '@berth/libcontainer';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const dir = await mkdtemp(join(tmpdir(), 'berth-bench-'));
execFileSync('cp', ['-a', await busyboxRootfs(), join(dir, 'rootfs')]);
const spec = {
  ociVersion: '1.0.2',
  root: { path: 'rootfs', readonly: true },
  process: {
    args: ['/bin/true'],
    cwd: '/',
    env: ['PATH=/bin'],
    user: { uid: 0, gid: 0 },
    noNewPrivileges: true,
  },
  hostname: 'bench',
  mounts: [
    { destination: '/proc', type: 'proc', source: 'proc' },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
  ],
  linux: {
    namespaces: [{ type: 'pid' }, { type: 'mount' }, { type: 'uts' }, { type: 'ipc' }, { type: 'network' }],
  },
};
await writeFile(join(dir, 'config.json'), JSON.stringify(spec));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const now = () => Number(process.hrtime.bigint()) / 1e6;
let n = 0;

async function berth() {
  const t = now();
  const c = await createContainer({
    id: `berth-bench-${n++}`,
    stateRoot: join(dir, 'state'),
    bundle: dir,
    spec,
  });
  await c.start();
  const status = await c.wait();
  const took = now() - t;
  if (status.exitCode !== 0) throw new Error(`berth: exit ${status.exitCode}`);
  await c.delete();
  return took;
}

function external(cmd, args) {
  const t = now();
  const r = spawnSync(cmd, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const took = now() - t;
  if (r.status !== 0) return { error: r.stderr.toString().trim().split('\n').at(-1) };
  return { took };
}

const results = { berth: [], crun: [], runc: [] };
const failures = {};
try {
  await berth(); // warm-up: load the addon, fill caches
  for (let i = 0; i < ROUNDS; i++) {
    results.berth.push(await berth());
    for (const [name, cmd, args] of [
      ['crun', 'crun', ['--cgroup-manager=disabled', 'run', `berth-bench-crun-${i}`]],
      ['runc', 'runc', ['run', `berth-bench-runc-${i}`]],
    ]) {
      if (failures[name]) continue;
      const r = external(cmd, args);
      if (r.error) failures[name] = r.error;
      else results[name].push(r.took);
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}

const b = median(results.berth);
console.log(`libcontainer bench: create+start+wait of /bin/true, busybox rootfs, median of ${ROUNDS}`);
console.log(`berth (library, warm Node) ${b.toFixed(1)} ms`);
for (const name of ['crun', 'runc']) {
  if (failures[name]) console.log(`${name.padEnd(26)} did not run here: ${failures[name]}`);
  else {
    const m = median(results[name]);
    console.log(`${`${name} run`.padEnd(26)} ${m.toFixed(1)} ms   berth/${name} = ${(b / m).toFixed(2)}`);
  }
}
