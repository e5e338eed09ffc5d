// Moving the ~150 MB, six-layer fixture image through docker-save archives, against skopeo
// doing the same on the same files in the same run (interleaved, median of N).
import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { largeImage } from '@berth/fixtures';
import { loadDockerArchive, OciLayout, saveDockerArchive } from '@berth/image-spec';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const fixture = await largeImage();
const work = await mkdtemp(join(tmpdir(), 'berth-bench-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const results = { save: { berth: [], skopeo: [] }, load: { berth: [], skopeo: [] } };
try {
  const source = await OciLayout.open(fixture.layout);
  for (let i = 0; i < ROUNDS; i++) {
    const ours = join(work, `berth-${i}.tar`);
    const theirs = join(work, `skopeo-${i}.tar`);
    results.save.berth.push(
      await time(() => saveDockerArchive(source, ['large:latest'], createWriteStream(ours))),
    );
    results.save.skopeo.push(
      await time(() =>
        execFileSync('skopeo', [
          'copy',
          '-q',
          `oci:${fixture.layout}:latest`,
          `docker-archive:${theirs}:large:latest`,
        ]),
      ),
    );
    const into = await OciLayout.init(join(work, `berth-layout-${i}`));
    results.load.berth.push(await time(() => loadDockerArchive(createReadStream(ours), into)));
    results.load.skopeo.push(
      await time(() =>
        execFileSync('skopeo', [
          'copy',
          '-q',
          `docker-archive:${ours}`,
          `oci:${join(work, `skopeo-layout-${i}`)}:x`,
        ]),
      ),
    );
    await rm(ours);
    await rm(theirs);
  }
} finally {
  await rm(work, { recursive: true, force: true });
}

const mb = fixture.layers.reduce((n, l) => n + l.size, 0) / 1e6;
console.log(
  `image-spec bench: ${fixture.layers.length} layers, ${mb.toFixed(0)} MB compressed, median of ${ROUNDS}`,
);
for (const [what, r] of Object.entries(results)) {
  const b = median(r.berth);
  const s = median(r.skopeo);
  console.log(
    `${what.padEnd(5)} berth ${b.toFixed(0).padStart(6)} ms   skopeo ${s.toFixed(0).padStart(6)} ms   ratio ${(b / s).toFixed(2)}`,
  );
}
