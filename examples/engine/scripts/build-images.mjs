// Packs the images the engine carries with it into <out>/images/<name>/ (OCI layouts), so that a
// fresh engine can run them with no registry:
// - hello: hello/hello.c compiled here into a ~1 KB static binary, one reproducible layer;
// - busybox: from Debian's busybox-static (the set-up's fixture).
// Each layout's index.json names its image with `io.containerd.image.name`.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { busyboxImage } from '@berth/fixtures';
import { compileHello, helloCompilerFlags } from '../hello/compile-hello.mjs';
import { writeHelloImage } from '../hello/hello-image.mjs';

// Usage: build-images.mjs [OUT_DIR] (default dist; relative to the engine, or absolute).
const engineDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const images = join(resolve(engineDir, process.argv[2] ?? 'dist'), 'images');

const work = await mkdtemp(join(tmpdir(), 'berth-hello-build-'));
try {
  const binary = join(work, 'hello');
  await compileHello(binary);
  const createdBy = `cc ${helloCompilerFlags().join(' ')} hello.c`;
  const hello = await writeHelloImage(join(images, 'hello'), binary, { createdBy });
  console.log(`build-images: hello:latest ${hello.manifest.digest} (layer ${hello.layer.size} bytes)`);
} finally {
  await rm(work, { recursive: true, force: true });
}

const busybox = await busyboxImage();
await rm(join(images, 'busybox'), { recursive: true, force: true });
await cp(busybox.layout, join(images, 'busybox'), { recursive: true });
console.log(`build-images: busybox:latest ${busybox.manifestDigest}`);
