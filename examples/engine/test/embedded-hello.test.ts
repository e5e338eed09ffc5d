import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_DIST, TestDaemon } from './harness/berthd.js';

const run = promisify(execFile);
const HELLO_LAYOUT = join(ENGINE_DIST, 'images', 'hello');
const BUILD_IMAGES = resolve(import.meta.dirname, '../scripts/build-images.mjs');

interface IndexJson {
  manifests: { digest: string; annotations?: Record<string, string>; platform?: { architecture: string } }[];
}
const readIndex = async (layout: string): Promise<IndexJson> =>
  JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'));

describe('the embedded hello image', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'berth-test-hello-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('is a valid OCI image named hello:latest for the host', async () => {
    const index = await readIndex(HELLO_LAYOUT);
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0]?.annotations?.['io.containerd.image.name']).toBe(
      'docker.io/library/hello:latest',
    );

    const { stdout } = await run('skopeo', ['inspect', `oci:${HELLO_LAYOUT}:latest`]);
    const inspected = JSON.parse(stdout);
    expect(inspected.Digest).toBe(index.manifests[0]?.digest);
    expect(inspected.Os).toBe('linux');
    expect(inspected.Architecture).toBe(process.arch === 'x64' ? 'amd64' : process.arch);
    expect(inspected.Layers).toHaveLength(1);

    // umoci reads the config too, and skopeo copy verifies every blob against its digest.
    await run('umoci', ['stat', '--image', `${HELLO_LAYOUT}:latest`]);
    await run('skopeo', ['copy', '--quiet', `oci:${HELLO_LAYOUT}:latest`, `dir:${join(work, 'copy')}`]);
    const config = JSON.parse(
      (await run('skopeo', ['inspect', '--config', `oci:${HELLO_LAYOUT}:latest`])).stdout,
    );
    expect(config.config.Cmd).toEqual(['/hello']);
  });

  it('holds one layer with just /hello, a static executable that prints the greeting', async () => {
    const [layer] = JSON.parse(
      (await run('skopeo', ['inspect', `oci:${HELLO_LAYOUT}:latest`])).stdout,
    ).Layers;
    const rootfs = join(work, 'rootfs');
    await run('mkdir', ['-p', rootfs]);
    await run('tar', ['-xzf', join(HELLO_LAYOUT, 'blobs', ...layer.split(':')), '-C', rootfs]);
    expect(await readdir(rootfs)).toEqual(['hello']);

    const hello = join(rootfs, 'hello');
    // Static: no program interpreter (ld.so) and no dynamic section. readelf comes with gcc's binutils.
    const headers = (await run('readelf', ['--file-header', '--program-headers', '--wide', hello])).stdout;
    expect(headers).toMatch(/Type:\s+EXEC/);
    expect(headers).not.toMatch(/INTERP|DYNAMIC/);
    const greeting = spawnSync(hello, { encoding: 'utf8' });
    expect(greeting.status).toBe(0);
    expect(greeting.stdout).toMatch(/^\nHello from Berth!\n/);
  });

  it('rebuilds to the same digests', async () => {
    const out = join(work, 'rebuild');
    await run(process.execPath, [BUILD_IMAGES, out]);
    const again = join(out, 'images', 'hello');
    expect(await readFile(join(again, 'index.json'), 'utf8')).toBe(
      await readFile(join(HELLO_LAYOUT, 'index.json'), 'utf8'),
    );
    expect((await readdir(join(again, 'blobs', 'sha256'))).sort()).toEqual(
      (await readdir(join(HELLO_LAYOUT, 'blobs', 'sha256'))).sort(),
    );
  });
});

describe('a fresh berthd', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await TestDaemon.start();
  });
  afterAll(async () => {
    await daemon?.destroy();
  });

  it('lists hello:latest and busybox:latest right after start, with no registry', async () => {
    const tags = (await daemon.docker.listImages()).flatMap((image) => image.RepoTags ?? []).sort();
    expect(tags).toEqual(['busybox:latest', 'hello:latest']);
  });

  it('runs hello: `docker run --rm hello` prints the greeting and exits 0', async () => {
    const { stdout, code } = await daemon.cli(['run', '--rm', 'hello']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\nHello from Berth!\n\nIf you can read this, your Berth engine works/);
    expect((await daemon.docker.listContainers({ all: true })).length).toBe(0);
  });
});
