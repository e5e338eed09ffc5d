import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { parseDigest } from '../digest/digest.js';
import type { OciLayout } from '../layout/oci-layout.js';
import { IMAGE_NAME_ANNOTATION, REF_NAME_ANNOTATION } from '../layout/ref-names.js';
import { MediaType } from '../media-types.js';
import { parseReference } from '../reference/index.js';
import type { Descriptor } from '../types/descriptor.js';
import type { ImageIndex } from '../types/image-index.js';
import type { Platform } from '../types/platform.js';
import type { DockerArchiveEntry } from './docker-archive-manifest.js';

export interface SaveOptions {
  /** Which platform to save when a name points at a multi-platform index (default: the host's). */
  platform?: Platform;
  signal?: AbortSignal;
}

/** `blobs/sha256/<hex>`: the path Docker 25+ uses, which older `docker load` reads as well. */
function blobEntryName(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `blobs/${algorithm}/${hex}`;
}

/**
 * Writes images from a layout as a `docker save` tarball: `manifest.json` and `repositories`
 * for `docker load`, plus `oci-layout` and `index.json`, so the same tar is also an OCI
 * layout archive. Layers are written as they are stored (compressed or not).
 * `names` are image names as stored in the layout (`busybox:latest`, a ref name or a digest).
 */
export async function saveDockerArchive(
  layout: OciLayout,
  names: readonly string[],
  out: Writable,
  options: SaveOptions = {},
): Promise<void> {
  const pack = tar.pack();
  const done = pipeline(pack, out, { signal: options.signal });
  const written = new Set<string>();
  const entries: DockerArchiveEntry[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.ImageIndex, manifests: [] };

  const addFile = async (name: string, data: Buffer): Promise<void> => {
    await new Promise<void>((resolve, reject) =>
      pack.entry({ name, size: data.length, mode: 0o644, mtime: new Date(0) }, data, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  };
  const addBlob = async (desc: Pick<Descriptor, 'digest' | 'size'>): Promise<string> => {
    const name = blobEntryName(desc.digest);
    if (written.has(name)) return name;
    written.add(name);
    const source = await layout.openBlob(desc);
    await new Promise<void>((resolve, reject) => {
      const entry = pack.entry({ name, size: desc.size, mode: 0o644, mtime: new Date(0) }, (err) =>
        err ? reject(err) : resolve(),
      );
      pipeline(source, entry).catch(reject);
    });
    return name;
  };

  try {
    for (const name of names) {
      const listed = await layout.resolve(name);
      const image = await layout.readImage(name, options.platform);
      const repoTags = repoTagOf(listed, name);
      await addBlob(image.descriptor);
      const config = await addBlob(image.manifest.config);
      const layers: string[] = [];
      for (const layer of image.manifest.layers) layers.push(await addBlob(layer));
      entries.push({ Config: config, RepoTags: repoTags ? [repoTags.familiar] : null, Layers: layers });
      const topLayer = image.config.rootfs.diff_ids.at(-1);
      if (repoTags && topLayer) {
        repositories[repoTags.repository] ??= {};
        repositories[repoTags.repository]![repoTags.tag] = parseDigest(topLayer).hex;
      }
      const annotations: Record<string, string> = {};
      if (repoTags) {
        annotations[IMAGE_NAME_ANNOTATION] = repoTags.full;
        annotations[REF_NAME_ANNOTATION] = repoTags.tag;
      }
      index.manifests.push({
        mediaType: image.descriptor.mediaType,
        digest: image.descriptor.digest,
        size: image.descriptor.size,
        ...(repoTags ? { annotations } : {}),
      });
    }
    await addFile('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
    await addFile('index.json', Buffer.from(JSON.stringify(index)));
    await addFile('manifest.json', Buffer.from(JSON.stringify(entries)));
    await addFile('repositories', Buffer.from(JSON.stringify(repositories)));
    pack.finalize();
  } catch (err) {
    pack.destroy(err as Error);
    await done.catch(() => undefined);
    throw err;
  }
  await done;
}

/** The tag an image is saved under: only names that are image references with a tag. */
function repoTagOf(
  desc: Descriptor,
  requested: string,
): { familiar: string; repository: string; tag: string; full: string } | undefined {
  const name =
    /[:/]/.test(requested) && !requested.includes('@')
      ? requested
      : desc.annotations?.[IMAGE_NAME_ANNOTATION];
  if (!name) return undefined;
  const ref = parseReference(name);
  if (!ref.tag) return undefined;
  return { familiar: ref.familiarString(), repository: ref.familiarName, tag: ref.tag, full: ref.toString() };
}
