import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import { digestOf, loadDockerArchive, OciLayout, saveDockerArchive } from '../src/index.js';
import { tarOf, tempDir, writeTinyImage } from './tiny-image.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function dir(): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return t.path;
}
const run = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

async function saveToFile(layout: OciLayout, names: string[]): Promise<string> {
  const file = join(await dir(), 'image.tar');
  await saveDockerArchive(layout, names, createWriteStream(file));
  return file;
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function tarEntries(file: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const extract = tar.extract();
  const feeding = pipeline(createReadStream(file), extract);
  for await (const entry of extract) out.set(entry.header.name, await collect(entry));
  await feeding;
  return out;
}

/** An archive as classic `docker save` (Docker before 25) wrote it, built entry by entry. */
async function classicArchive(
  entries: Array<{ name: string; data?: Buffer; linkname?: string }>,
): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.linkname) pack.entry({ name: e.name, type: 'symlink', linkname: e.linkname });
    else pack.entry({ name: e.name }, e.data!);
  }
  pack.finalize();
  return collect(pack);
}

async function blobCount(layout: OciLayout): Promise<number> {
  return (await layout.listBlobs()).length;
}

describe('saveDockerArchive / loadDockerArchive', () => {
  it('round-trips images with their tags', async () => {
    const source = await OciLayout.init(await dir());
    const a = await writeTinyImage(source, 'busybox:latest', 'a');
    const b = await writeTinyImage(source, 'example.com/team/app:v2', 'b');
    const file = await saveToFile(source, ['busybox:latest', 'example.com/team/app:v2']);

    const entries = await tarEntries(file);
    const manifest = JSON.parse(entries.get('manifest.json')!.toString());
    expect(manifest).toHaveLength(2);
    expect(manifest[0].RepoTags).toEqual(['busybox:latest']);
    expect(manifest[1].RepoTags).toEqual(['example.com/team/app:v2']);
    expect(manifest[0].Config).toBe(`blobs/sha256/${a.manifest.config.digest.slice(7)}`);
    expect(JSON.parse(entries.get('repositories')!.toString())).toHaveProperty(['busybox', 'latest']);

    const target = await OciLayout.init(await dir());
    const loaded = await loadDockerArchive(createReadStream(file), target);
    expect(loaded.map((l) => l.names)).toEqual([
      ['docker.io/library/busybox:latest'],
      ['example.com/team/app:v2'],
    ]);
    for (const [name, image] of [
      ['busybox', a],
      ['example.com/team/app:v2', b],
    ] as const) {
      const got = await target.readImage(name === 'busybox' ? 'busybox:latest' : name);
      expect(got.manifest.config.digest).toBe(image.manifest.config.digest);
      expect(got.manifest.layers.map((l) => [l.digest, l.mediaType])).toEqual(
        image.manifest.layers.map((l) => [l.digest, l.mediaType]),
      );
    }
    // Nothing but the two images' blobs were kept (no stray files from the archive).
    expect(await blobCount(target)).toBe(2 * 4);
  });

  it('writes archives that skopeo reads as docker-archive and as OCI', async () => {
    const source = await OciLayout.init(await dir());
    const { manifest, layerTars } = await writeTinyImage(source, 'app:v1');
    const file = await saveToFile(source, ['app:v1']);
    const inspected = JSON.parse(run('skopeo', ['inspect', `docker-archive:${file}`]));
    expect(inspected.RepoTags ?? []).toBeDefined();
    expect(inspected.Layers).toHaveLength(manifest.layers.length);
    const copied = await dir();
    run('skopeo', ['copy', '--quiet', `docker-archive:${file}`, `oci:${copied}:x`]);
    const back = await (await OciLayout.open(copied)).readImage('x');
    expect(back.config.rootfs.diff_ids).toEqual(layerTars.map((t) => digestOf(t)));
  });

  it('loads an archive that skopeo wrote', async () => {
    const source = await OciLayout.init(await dir());
    const { layerTars } = await writeTinyImage(source, 'app:v1');
    const file = join(await dir(), 'skopeo.tar');
    run('skopeo', ['copy', '--quiet', `oci:${source.root}:v1`, `docker-archive:${file}:example.com/app:v1`]);
    const target = await OciLayout.init(await dir());
    const [loaded] = await loadDockerArchive(createReadStream(file), target);
    expect(loaded!.names).toEqual(['example.com/app:v1']);
    const image = await target.readImage('example.com/app:v1');
    expect(image.config.rootfs.diff_ids).toEqual(layerTars.map((t) => digestOf(t)));
  });

  it('loads the classic format with linked duplicate layers, gzipped as a whole', async () => {
    const layer = await tarOf({ 'bin/tool': 'tool\n' });
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [digestOf(layer), digestOf(layer)] },
      }),
    );
    const archive = await classicArchive([
      { name: 'aaa/VERSION', data: Buffer.from('1.0') },
      { name: 'aaa/json', data: Buffer.from('{}') },
      { name: 'aaa/layer.tar', data: layer },
      { name: 'bbb/layer.tar', linkname: '../aaa/layer.tar' },
      { name: 'cfg.json', data: config },
      {
        name: 'manifest.json',
        data: Buffer.from(
          JSON.stringify([
            { Config: 'cfg.json', RepoTags: ['tool'], Layers: ['aaa/layer.tar', 'bbb/layer.tar'] },
          ]),
        ),
      },
    ]);
    const target = await OciLayout.init(await dir());
    const [loaded] = await loadDockerArchive(Readable.from([gzipSync(archive)]), target);
    expect(loaded!.names).toEqual(['docker.io/library/tool:latest']);
    const image = await target.readImage('tool:latest');
    expect(image.manifest.layers.map((l) => l.digest)).toEqual([digestOf(layer), digestOf(layer)]);
    // manifest, config, one layer; VERSION and json were dropped again.
    expect(await blobCount(target)).toBe(3);
  });

  it('loads untagged images and keeps them listed', async () => {
    const layer = await tarOf({ a: 'a' });
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [digestOf(layer)] },
      }),
    );
    const archive = await classicArchive([
      { name: 'l.tar', data: layer },
      { name: 'c.json', data: config },
      {
        name: 'manifest.json',
        data: Buffer.from(JSON.stringify([{ Config: 'c.json', RepoTags: null, Layers: ['l.tar'] }])),
      },
    ]);
    const target = await OciLayout.init(await dir());
    const [loaded] = await loadDockerArchive(Readable.from([archive]), target);
    expect(loaded!.names).toEqual([]);
    expect(await target.gc()).toEqual([]);
    expect((await target.readImage(loaded!.descriptor.digest)).manifest.layers).toHaveLength(1);
  });
});

describe('loadDockerArchive refuses bad archives and leaves nothing behind', () => {
  async function expectRefused(archive: Buffer, code: string) {
    const target = await OciLayout.init(await dir());
    const before = await blobCount(target);
    await expect(loadDockerArchive(Readable.from([archive]), target)).rejects.toMatchObject({ code });
    expect(await blobCount(target)).toBe(before);
    expect((await target.readIndex()).manifests).toEqual([]);
    expect(await readdir(join(target.root, '.ingest')).catch(() => [])).toEqual([]);
  }
  const layer = () => tarOf({ f: 'content' });

  it('a truncated archive', async () => {
    const source = await OciLayout.init(await dir());
    await writeTinyImage(source, 'app:v1');
    const file = await saveToFile(source, ['app:v1']);
    const whole = await readFile(file);
    // Cut inside a header, inside a blob, between entries, and just before the end.
    for (const cut of [100, 700, 1024, Math.floor(whole.length / 2), whole.length - 1500, whole.length - 1]) {
      await expectRefused(whole.subarray(0, cut), 'ERR_ARCHIVE_INVALID');
    }
  });

  it('a layer whose content is not the diff ID of the config', async () => {
    const l = await layer();
    const config = JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [digestOf('other')] },
    });
    await expectRefused(
      await classicArchive([
        { name: 'l.tar', data: gzipSync(l) },
        { name: 'c.json', data: Buffer.from(config) },
        {
          name: 'manifest.json',
          data: Buffer.from(JSON.stringify([{ Config: 'c.json', RepoTags: ['x:y'], Layers: ['l.tar'] }])),
        },
      ]),
      'ERR_DIGEST_MISMATCH',
    );
  });

  it('a manifest.json that names a missing file, or has the wrong shape, or a bad tag', async () => {
    const l = await layer();
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        rootfs: { type: 'layers', diff_ids: [digestOf(l)] },
      }),
    );
    const with_ = (manifest: unknown) =>
      classicArchive([
        { name: 'l.tar', data: l },
        { name: 'c.json', data: config },
        { name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest)) },
      ]);
    await expectRefused(
      await with_([{ Config: 'c.json', RepoTags: [], Layers: ['missing.tar'] }]),
      'ERR_ARCHIVE_INVALID',
    );
    await expectRefused(await with_([{ Config: 'c.json', Layers: 'l.tar' }]), 'ERR_ARCHIVE_INVALID');
    await expectRefused(
      await with_([{ Config: 'c.json', RepoTags: [], Layers: ['l.tar', 'l.tar'] }]),
      'ERR_ARCHIVE_INVALID',
    );
    await expectRefused(
      await with_([{ Config: 'c.json', RepoTags: ['busybox:bad tag'], Layers: ['l.tar'] }]),
      'ERR_REFERENCE_INVALID',
    );
  });

  it('an OCI archive whose blob is not what its name says', async () => {
    const l = await layer();
    const archive = await classicArchive([
      { name: 'oci-layout', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
      { name: 'index.json', data: Buffer.from('{"schemaVersion":2,"manifests":[]}') },
      { name: `blobs/sha256/${digestOf('something else').slice(7)}`, data: l },
    ]);
    await expectRefused(archive, 'ERR_DIGEST_MISMATCH');
  });

  it('something that is not an image archive at all', async () => {
    await expectRefused(
      await classicArchive([{ name: 'hello.txt', data: Buffer.from('hi') }]),
      'ERR_ARCHIVE_INVALID',
    );
    await expectRefused(
      Buffer.from('this is not a tar file at all, just some text'.repeat(20)),
      'ERR_ARCHIVE_INVALID',
    );
  });

  it('save fails with a typed error when one of the images is missing', async () => {
    const source = await OciLayout.init(await dir());
    await writeTinyImage(source, 'app:v1');
    const file = join(await dir(), 'out.tar');
    await writeFile(file, '');
    await expect(
      saveDockerArchive(source, ['app:v1', 'missing:tag'], createWriteStream(file)),
    ).rejects.toMatchObject({
      code: 'ERR_MANIFEST_NOT_FOUND',
    });
  });
});
