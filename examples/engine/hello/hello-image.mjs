// Packs the hello binary into an OCI image layout, reproducibly: the same binary gives the same
// layer, config and manifest digests (fixed times, one tar entry, gzip header without a time or name).
import { createHash } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { tarBytes } from '@berth/graph-driver';
import { hostPlatform, MediaType, OciLayout } from '@berth/image-spec';

export const HELLO_IMAGE_NAME = 'docker.io/library/hello:latest';

// SOURCE_DATE_EPOCH is the reproducible-builds convention for "the time this build claims".
const EPOCH_SECONDS = BigInt(process.env.SOURCE_DATE_EPOCH ?? 0);
const CREATED = new Date(Number(EPOCH_SECONDS) * 1000).toISOString().replace('.000Z', 'Z');

/** A new layout at `dir` holding `hello:latest`: one layer with just /hello, Cmd ["/hello"]. */
export async function writeHelloImage(dir, binary, { createdBy = 'cc hello.c' } = {}) {
  await rm(dir, { recursive: true, force: true });
  const layout = await OciLayout.init(dir);

  const entry = {
    name: 'hello',
    type: 'file',
    mode: 0o755,
    uid: 0,
    gid: 0,
    size: (await stat(binary)).size,
    mtimeNs: EPOCH_SECONDS * 1_000_000_000n,
    source: binary,
  };
  // The whole layer is a few KB, so it is built in memory. zlib writes mtime 0 and no file name.
  const chunks = [];
  for await (const chunk of tarBytes([entry])) chunks.push(chunk);
  const tar = Buffer.concat(chunks);
  const diffId = `sha256:${createHash('sha256').update(tar).digest('hex')}`;
  const layer = await layout.writeBlob(gzipSync(tar, { level: 9 }));

  const platform = hostPlatform();
  const config = await layout.writeJson(
    {
      created: CREATED,
      ...platform,
      config: { Cmd: ['/hello'] },
      rootfs: { type: 'layers', diff_ids: [diffId] },
      history: [{ created: CREATED, created_by: createdBy }],
    },
    MediaType.ImageConfig,
  );
  const manifest = await layout.writeJson(
    {
      schemaVersion: 2,
      mediaType: MediaType.ImageManifest,
      config,
      layers: [{ mediaType: MediaType.LayerGzip, digest: layer.digest, size: layer.size }],
    },
    MediaType.ImageManifest,
  );
  await layout.tag({ ...manifest, platform }, HELLO_IMAGE_NAME);
  await rm(`${dir}/.ingest`, { recursive: true, force: true }); // the layout's scratch dir, empty now
  return { manifest, config, layer: { ...layer, diffId } };
}
