// Layer apply benchmark: @berth/graph-driver's applyLayer against GNU `tar -xzf` and
// `umoci unpack` on the same image and the same filesystem, interleaved (the order rotates
// every round), on ext4 (/var/tmp) and tmpfs (/dev/shm). Plus: mounting a 100-layer overlay.
// BENCH_ROUNDS (default 3) rounds; medians are reported. Run as root after `npm run build`.
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { largeImage } from '@berth/fixtures';
import { applyLayer, LayerStore, OverlayDriver } from '../dist/index.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const img = await largeImage();
const blobs = img.layers.map((l) => join(img.layout, 'blobs/sha256', l.digest.slice('sha256:'.length)));
const totalBytes = img.layers.reduce((n, l) => n + l.uncompressedSize, 0);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const FS_NAMES = { 61267: 'ext4', 16914836: 'tmpfs' };

const tools = {
  'berth applyLayer': async (dir) => {
    for (const [i, blob] of blobs.entries()) {
      await applyLayer(createReadStream(blob, { highWaterMark: 1 << 20 }), join(dir, 'rootfs'), {
        diffId: img.layers[i].diffId,
        inPlace: i > 0,
      });
    }
  },
  'berth LayerStore (overlay)': async (dir) => {
    const store = await LayerStore.open({ root: join(dir, 'store'), driver: 'overlay' });
    let parent = null;
    for (const [i, blob] of blobs.entries()) {
      const l = img.layers[i];
      parent = (
        await store.register(createReadStream(blob, { highWaterMark: 1 << 20 }), parent, { diffId: l.diffId })
      ).chainId;
    }
    await store.close();
  },
  'tar -xzf': async (dir) => {
    mkdirSync(join(dir, 'rootfs'));
    for (const blob of blobs) execFileSync('tar', ['-xzf', blob, '-C', join(dir, 'rootfs')]);
  },
  'umoci unpack': async (dir, layoutCopy) => {
    execFileSync('umoci', ['unpack', '--image', `${layoutCopy}:latest`, join(dir, 'bundle')], {
      stdio: 'ignore',
    });
  },
};

async function benchFs(base) {
  const work = mkdtempSync(join(base, 'berth-bench-'));
  try {
    const fsType = FS_NAMES[statfsSync(work).type] ?? `0x${statfsSync(work).type.toString(16)}`;
    const layoutCopy = join(work, 'layout');
    execFileSync('cp', ['-a', img.layout, layoutCopy]);
    const times = Object.fromEntries(Object.keys(tools).map((k) => [k, []]));
    const names = Object.keys(tools);
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(k + r) % names.length];
        const dir = join(work, `run-${r}-${k}`);
        mkdirSync(dir);
        execFileSync('sync');
        const t0 = performance.now();
        await tools[name](dir, layoutCopy);
        times[name].push((performance.now() - t0) / 1000);
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const tar = median(times['tar -xzf']);
    const umoci = median(times['umoci unpack']);
    console.log(
      `\n${base} (${fsType}), ${(totalBytes / 1e6).toFixed(0)} MB uncompressed in ${blobs.length} layers, ${rounds} rounds, medians:`,
    );
    for (const name of names) {
      const t = median(times[name]);
      console.log(
        `  ${name.padEnd(28)} ${t.toFixed(2).padStart(6)} s  ${(totalBytes / 1e6 / t).toFixed(0).padStart(4)} MB/s` +
          `  vs tar ${(tar / t).toFixed(2)}x  vs umoci ${(umoci / t).toFixed(2)}x  [${times[name].map((x) => x.toFixed(2)).join(' ')}]`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function benchMount(base, layers = 100) {
  const work = mkdtempSync(join(base, 'berth-bench-mount-'));
  const d = await OverlayDriver.open(join(work, 'overlay'));
  try {
    let parent = null;
    for (let i = 0; i < layers; i++) {
      const id = `layer-${i}`;
      await d.create(id, parent);
      await d.applyDiff(id, parent, Readable.from([tarOf(`f${i}`)]));
      parent = id;
    }
    await d.createReadWrite('ctr', parent);
    const ro = [];
    const rw = [];
    for (let r = 0; r < 10; r++) {
      let t = performance.now();
      await d.get(parent);
      ro.push(performance.now() - t);
      await d.put(parent);
      t = performance.now();
      await d.get('ctr');
      rw.push(performance.now() - t);
      await d.put('ctr');
    }
    console.log(
      `\n${layers}-layer overlay on ${base}: mount (get) median ${median(ro).toFixed(2)} ms read-only, ${median(rw).toFixed(2)} ms with a RW layer (10 runs)`,
    );
  } finally {
    await d.cleanup();
    rmSync(work, { recursive: true, force: true });
  }
}

function tarOf(name) {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write('00000000000\0', 124);
  h.write('14524770400\0', 136);
  h.write('0', 156);
  h.write('ustar\x0000', 257, 'binary');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return Buffer.concat([h, Buffer.alloc(1024)]);
}

if (process.getuid?.() !== 0) {
  console.log('bench: needs root (ownership, devices, overlay mounts); skipped');
  process.exit(0);
}
for (const base of ['/var/tmp', '/dev/shm']) if (existsSync(base)) await benchFs(base);
await benchMount('/var/tmp');
