// Pulling fixture images from a loopback docker-registry into an OCI layout: Berth (in a child
// process, peak RSS from resourceUsage) against `skopeo copy docker://… oci:DIR`, interleaved, median
// of N. Two views of Berth's time: the pull alone (timed inside the process, after Node started and
// loaded the modules) and the whole process (spawn to exit), which is what skopeo's time includes.
// Images: the ~150 MB six-layer `large` (the issue's benchmark) and `single`, one ~150 MB layer of
// incompressible bytes, to show that memory does not grow with layer size.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { largeImage, singleLayerImage, startRegistry } from '@berth/fixtures';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const IMAGES = (process.env.BENCH_IMAGES ?? 'large,single').split(',');
const here = dirname(fileURLToPath(import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const since = (start) => Number(process.hrtime.bigint() - start) / 1e6;
const fixtures = { large: largeImage, single: singleLayerImage };

const registry = await startRegistry();
const work = await mkdtemp(join(tmpdir(), 'berth-rc-bench-'));
try {
  for (const name of IMAGES) {
    const fixture = await fixtures[name]();
    const reference = `${registry.host}/bench/${name}:latest`;
    execFileSync('skopeo', [
      'copy',
      '-q',
      '--dest-tls-verify=false',
      `oci:${fixture.layout}:latest`,
      `docker://${reference}`,
    ]);
    const pull = [];
    const proc = [];
    const skopeo = [];
    const rss = [];
    for (let i = 0; i < ROUNDS; i++) {
      const dir = join(work, `berth-${i}`);
      let start = process.hrtime.bigint();
      const out = execFileSync(process.execPath, [join(here, 'pull-once.mjs'), reference, dir], {
        encoding: 'utf8',
      });
      proc.push(since(start));
      const { ms, maxRssKiB } = JSON.parse(out.trim().split('\n').at(-1));
      pull.push(ms);
      rss.push(maxRssKiB);
      start = process.hrtime.bigint();
      execFileSync('skopeo', [
        'copy',
        '-q',
        '--src-tls-verify=false',
        `docker://${reference}`,
        `oci:${join(work, `skopeo-${i}`)}:x`,
      ]);
      skopeo.push(since(start));
      await rm(dir, { recursive: true, force: true });
      await rm(join(work, `skopeo-${i}`), { recursive: true, force: true });
    }
    const mb = fixture.layers.reduce((n, l) => n + l.size, 0) / 1e6;
    const s = median(skopeo);
    const row = (label, xs) =>
      `  ${label.padEnd(28)} ${median(xs).toFixed(0).padStart(6)} ms   ratio to skopeo ${(median(xs) / s).toFixed(2)}   runs ${xs.map((x) => x.toFixed(0)).join(', ')}`;
    console.log(
      `registry-client bench: ${name}, ${fixture.layers.length} layer(s), ${mb.toFixed(1)} MB compressed, loopback registry, median of ${ROUNDS}`,
    );
    console.log(row('berth pull (in process)', pull));
    console.log(row('berth process (spawn..exit)', proc));
    console.log(row('skopeo copy (process)', skopeo));
    console.log(
      `  berth peak RSS ${(Math.max(...rss) / 1024).toFixed(1)} MiB (max over rounds; whole node process)`,
    );
  }
} finally {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
}
