import { execFileSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { digestOf, isImageSpecError, OciLayout } from '../src/index.js';
import { tempDir, writeTinyImage } from './tiny-image.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function dir(): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return t.path;
}
async function blobFiles(root: string): Promise<string[]> {
  return (await readdir(join(root, 'blobs', 'sha256'))).sort();
}
async function leftovers(root: string): Promise<string[]> {
  return readdir(join(root, '.ingest')).catch(() => []);
}
const run = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('OciLayout', () => {
  it('creates a layout that has the marker, an empty index and a blobs dir', async () => {
    const root = await dir();
    const layout = await OciLayout.init(root);
    expect(JSON.parse(await readFile(join(root, 'oci-layout'), 'utf8'))).toEqual({
      imageLayoutVersion: '1.0.0',
    });
    expect((await layout.readIndex()).manifests).toEqual([]);
    await expect(OciLayout.open(join(root, 'blobs'))).rejects.toMatchObject({ code: 'ERR_LAYOUT_INVALID' });
  });

  it('writes blobs content-addressed and verifies what it reads back', async () => {
    const layout = await OciLayout.init(await dir());
    const data = Buffer.from('some content');
    const blob = await layout.writeBlob(Readable.from([data]));
    expect(blob).toEqual({ digest: digestOf(data), size: data.length, created: true });
    expect((await layout.writeBlob(data)).created).toBe(false);
    expect(await layout.readBlob(blob)).toEqual(data);
    // Tampering on disk is caught on read.
    await writeFile(layout.blobPath(blob.digest), 'other content');
    await expect(layout.readBlob({ digest: blob.digest })).rejects.toMatchObject({
      code: 'ERR_DIGEST_MISMATCH',
    });
    const stream = await layout.openBlob({ digest: blob.digest, size: 13 });
    await expect(stream.toArray()).rejects.toMatchObject({ code: 'ERR_DIGEST_MISMATCH' });
  });

  it('refuses content that does not match the expected digest or size, leaving nothing behind', async () => {
    const root = await dir();
    const layout = await OciLayout.init(root);
    const data = Buffer.from('expected bytes');
    await expect(
      layout.writeBlob(Buffer.from('tampered bytes'), { digest: digestOf(data), size: data.length }),
    ).rejects.toMatchObject({
      code: 'ERR_DIGEST_MISMATCH',
    });
    await expect(
      layout.writeBlob(data, { digest: digestOf(data), size: data.length + 1 }),
    ).rejects.toMatchObject({
      code: 'ERR_SIZE_MISMATCH',
    });
    await expect(layout.writeBlob(data, { digest: digestOf(data), size: 3 })).rejects.toMatchObject({
      code: 'ERR_SIZE_MISMATCH',
    });
    expect(await blobFiles(root)).toEqual([]);
    expect(await leftovers(root)).toEqual([]);
  });

  it('leaves nothing behind when the source stream breaks off', async () => {
    const root = await dir();
    const layout = await OciLayout.init(root);
    async function* broken() {
      yield Buffer.alloc(64 * 1024, 1);
      throw new Error('connection reset');
    }
    await expect(layout.writeBlob(Readable.from(broken()))).rejects.toThrow('connection reset');
    // Aborted at once, many times: the temp file may not even be open yet when it happens.
    for (let i = 0; i < 25; i++) {
      const aborted = new AbortController();
      const pending = layout.writeBlob(new Readable({ read() {} }), undefined, aborted.signal);
      if (i % 2 === 1) await new Promise((r) => setImmediate(r));
      aborted.abort();
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    }
    expect(await blobFiles(root)).toEqual([]);
    expect(await leftovers(root)).toEqual([]);
  });

  it('tags, resolves and reads images by full name, short name, ref name and digest', async () => {
    const layout = await OciLayout.init(await dir());
    const { manifest } = await writeTinyImage(layout, 'busybox:1.36');
    const byShort = await layout.readImage('busybox:1.36');
    expect(byShort.manifest).toEqual(manifest);
    expect(byShort.config.config?.Cmd).toEqual(['/bin/sh']);
    expect((await layout.readImage('docker.io/library/busybox:1.36')).descriptor).toEqual(byShort.descriptor);
    expect((await layout.readImage(byShort.descriptor.digest)).manifest).toEqual(manifest);
    const listed = (await layout.readIndex()).manifests[0]!;
    expect(listed.annotations).toEqual({
      'org.opencontainers.image.ref.name': '1.36',
      'io.containerd.image.name': 'docker.io/library/busybox:1.36',
    });
    await expect(layout.readImage('busybox:1.37')).rejects.toMatchObject({ code: 'ERR_MANIFEST_NOT_FOUND' });
    await expect(layout.readImage('Not A Name')).rejects.toMatchObject({ code: 'ERR_MANIFEST_NOT_FOUND' });
  });

  it('moves a tag to the new image and keeps the old one until gc', async () => {
    const root = await dir();
    const layout = await OciLayout.init(root);
    const first = await writeTinyImage(layout, 'app:latest', 'one');
    const second = await writeTinyImage(layout, 'app:latest', 'two');
    expect((await layout.readIndex()).manifests).toHaveLength(1);
    expect((await layout.readImage('app:latest')).manifest).toEqual(second.manifest);
    const removed = await layout.gc();
    // The first image's manifest, config and both layers were unreferenced.
    expect(removed).toHaveLength(4);
    expect(removed).toContain(first.manifest.config.digest);
    for (const d of [second.manifest.config, ...second.manifest.layers])
      expect(await layout.hasBlob(d.digest)).toBe(true);
    expect(await layout.untag('app:latest')).toBe(1);
    expect(await layout.gc()).toHaveLength(4);
    expect(await blobFiles(root)).toEqual([]);
  });

  it('serialises concurrent tag updates', async () => {
    const layout = await OciLayout.init(await dir());
    await Promise.all(Array.from({ length: 8 }, (_, i) => writeTinyImage(layout, `app:v${i}`, String(i))));
    expect((await layout.readIndex()).manifests).toHaveLength(8);
  });

  it('rejects a layout whose index.json is corrupt', async () => {
    const root = await dir();
    await OciLayout.init(root);
    await writeFile(
      join(root, 'index.json'),
      '{"schemaVersion": 2, "manifests": [{"digest": "sha256:nope"}]}',
    );
    await expect(OciLayout.open(root)).rejects.toSatisfy((e) => isImageSpecError(e, 'ERR_INDEX_INVALID'));
  });
});

describe('OciLayout with skopeo and umoci', () => {
  it('writes layouts that skopeo and umoci accept', async () => {
    const root = await dir();
    const layout = await OciLayout.init(root);
    const { manifest } = await writeTinyImage(layout, 'example.com/team/app:v1');
    const raw = JSON.parse(run('skopeo', ['inspect', '--raw', `oci:${root}:v1`]));
    expect(raw).toEqual(manifest);
    const inspected = JSON.parse(run('skopeo', ['inspect', `oci:${root}:v1`]));
    expect(inspected.Layers).toEqual(manifest.layers.map((l) => l.digest));
    expect(run('umoci', ['stat', '--image', `${root}:v1`])).toMatch(/layer 1/);
    // skopeo reads every blob and checks its digest on copy.
    const copy = await dir();
    run('skopeo', ['copy', '--quiet', `oci:${root}:v1`, `oci:${copy}:copied`]);
  });

  it('reads a layout that skopeo wrote', async () => {
    const source = await OciLayout.init(await dir());
    const { manifest } = await writeTinyImage(source, 'app:v1');
    const target = await dir();
    run('skopeo', [
      'copy',
      '--quiet',
      '--dest-compress',
      '--dest-compress-format',
      'gzip',
      `oci:${source.root}:v1`,
      `oci:${target}:other`,
    ]);
    const layout = await OciLayout.open(target);
    const image = await layout.readImage('other');
    expect(image.config.rootfs.diff_ids).toEqual((await source.readImage('app:v1')).config.rootfs.diff_ids);
    expect(image.manifest.layers).toHaveLength(manifest.layers.length);
    for (const layer of image.manifest.layers) {
      const bytes = Buffer.concat(await (await layout.openBlob(layer)).toArray());
      expect(bytes.length).toBe(layer.size);
    }
  });
});
