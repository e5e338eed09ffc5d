import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { digestOf, type ImageManifest, MediaType, type OciLayout } from '../src/index.js';

/** A small real tar archive with the given files. */
export async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) pack.entry({ name, mtime: new Date(0) }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export interface TinyImage {
  layout: OciLayout;
  manifest: ImageManifest;
  layerTars: Buffer[];
}

/** Writes a two-layer image (one gzip layer, one plain) into `layout` and tags it. */
export async function writeTinyImage(layout: OciLayout, name: string, seed = 'x'): Promise<TinyImage> {
  const layerTars = [
    await tarOf({ 'etc/hello': `hello ${seed}\n` }),
    await tarOf({ 'etc/world': `world ${seed}\n` }),
  ];
  const blobs = [gzipSync(layerTars[0]!), layerTars[1]!];
  const layers = [];
  for (const [i, blob] of blobs.entries()) {
    const { digest, size } = await layout.writeBlob(blob);
    layers.push({ mediaType: i === 0 ? MediaType.LayerGzip : MediaType.Layer, digest, size });
  }
  const config = await layout.writeJson(
    {
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['/bin/sh'], Env: ['PATH=/bin'] },
      rootfs: { type: 'layers', diff_ids: layerTars.map((t) => digestOf(t)) },
      // umoci 0.4's stat crashes on history entries without `created`.
      history: [
        { created: '2026-01-01T00:00:00Z', created_by: 'layer 1' },
        { created: '2026-01-01T00:00:00Z', created_by: 'layer 2' },
      ],
    },
    MediaType.ImageConfig,
  );
  const manifest: ImageManifest = { schemaVersion: 2, mediaType: MediaType.ImageManifest, config, layers };
  const desc = await layout.writeJson(manifest, MediaType.ImageManifest);
  await layout.tag(desc, name);
  return { layout, manifest, layerTars };
}

/** A temp directory, removed by the returned cleanup. */
export async function tempDir(
  prefix = 'berth-test-',
): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}
