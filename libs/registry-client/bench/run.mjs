// Pulling the ~150 MB, six-layer fixture image from a loopback docker-registry into an OCI layout:
// Berth (in a child process, timed inside it, peak RSS from resourceUsage) against
// `skopeo copy docker://… oci:DIR` in the same run, interleaved, median of N.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { largeImage, startRegistry } from '@berth/fixtures';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const here = dirname(fileURLToPath(import.meta.url));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const fixture = await largeImage();
const registry = await startRegistry();
const work = await mkdtemp(join(tmpdir(), 'berth-rc-bench-'));
const reference = `${registry.host}/bench/large:latest`;
const berth = [];
const skopeo = [];
const rss = [];
try {
  execFileSync('skopeo', [
    'copy',
    '-q',
    '--dest-tls-verify=false',
    `oci:${fixture.layout}:latest`,
    `docker://${reference}`,
  ]);
  for (let i = 0; i < ROUNDS; i++) {
    const out = execFileSync(
      process.execPath,
      [join(here, 'pull-once.mjs'), reference, join(work, `berth-${i}`)],
      {
        encoding: 'utf8',
      },
    );
    const { ms, maxRssKiB } = JSON.parse(out.trim().split('\n').at(-1));
    berth.push(ms);
    rss.push(maxRssKiB);
    const start = process.hrtime.bigint();
    execFileSync('skopeo', [
      'copy',
      '-q',
      '--src-tls-verify=false',
      `docker://${reference}`,
      `oci:${join(work, `skopeo-${i}`)}:x`,
    ]);
    skopeo.push(Number(process.hrtime.bigint() - start) / 1e6);
    await rm(join(work, `berth-${i}`), { recursive: true, force: true });
    await rm(join(work, `skopeo-${i}`), { recursive: true, force: true });
  }
} finally {
  await registry.stop();
  await rm(work, { recursive: true, force: true });
}

const mb = fixture.layers.reduce((n, l) => n + l.size, 0) / 1e6;
const b = median(berth);
const s = median(skopeo);
console.log(
  `registry-client bench: pull of ${fixture.layers.length} layers, ${mb.toFixed(1)} MB compressed, loopback registry, median of ${ROUNDS}`,
);
console.log(
  `pull  berth ${b.toFixed(0).padStart(6)} ms   skopeo ${s.toFixed(0).padStart(6)} ms   ratio ${(b / s).toFixed(2)}`,
);
console.log(
  `berth peak RSS ${(Math.max(...rss) / 1024).toFixed(1)} MiB (max over rounds; whole node process)`,
);
console.log(
  `  berth runs: ${berth.map((x) => x.toFixed(0)).join(', ')} ms; skopeo runs: ${skopeo.map((x) => x.toFixed(0)).join(', ')} ms`,
);
