import { randomBytes } from 'node:crypto';
import type { BusyboxImageFixture } from '@berth/fixtures';
import { type Descriptor, hostPlatform, MediaType, OciLayout } from '@berth/image-spec';

/**
 * Writes an image into `layout`: the given layers (fixture blobs copied, or random bytes of a size)
 * plus a config naming them, tagged `name`. Registries do not look inside layers, so random bytes do.
 */
export async function makeImage(
  layout: OciLayout,
  name: string,
  layers: ({ from: OciLayout; desc: Descriptor } | { randomSize: number })[],
): Promise<{ manifest: Descriptor; layers: Descriptor[] }> {
  const written: Descriptor[] = [];
  for (const layer of layers) {
    if ('from' in layer) {
      await layout.writeBlob(await layer.from.openBlob(layer.desc), layer.desc);
      written.push({ mediaType: layer.desc.mediaType, digest: layer.desc.digest, size: layer.desc.size });
    } else {
      const blob = await layout.writeBlob(randomBytes(layer.randomSize));
      written.push({ mediaType: MediaType.LayerGzip, digest: blob.digest, size: blob.size });
    }
  }
  const { os, architecture } = hostPlatform();
  const config = await layout.writeJson(
    { os, architecture, rootfs: { type: 'layers', diff_ids: written.map((l) => l.digest) } },
    MediaType.ImageConfig,
  );
  const manifest = await layout.writeJson(
    { schemaVersion: 2, mediaType: MediaType.ImageManifest, config, layers: written },
    MediaType.ImageManifest,
  );
  await layout.tag(manifest, name);
  return { manifest, layers: written };
}

/** The busybox fixture's layer as a source for makeImage. */
export async function busyboxLayer(fixture: BusyboxImageFixture) {
  const from = await OciLayout.open(fixture.layout);
  const image = await from.readImage('busybox:latest');
  return { from, desc: image.manifest.layers[0]! };
}
