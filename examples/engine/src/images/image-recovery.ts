import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Descriptor } from '@berth/image-spec';
import type { Logger } from '../daemon/logger.js';
import { scratchRoot } from './image-archive.js';
import type { ImageStore } from './image-store.js';

/**
 * On daemon start: a pull or load that was running when the daemon died (its `pulls` row is still
 * there) may have left layer references and content blobs that no image owns. The image row of an
 * import is written together with the removal of its journal row, so no image or tag of it is
 * visible; this drops what it had taken.
 */
export async function recoverInterruptedImports(images: ImageStore, logger: Logger): Promise<void> {
  await rm(scratchRoot(images), { recursive: true, force: true });
  const rows = images.db.prepare('SELECT id, reference FROM pulls').all() as {
    id: string;
    reference: string;
  }[];
  if (rows.length === 0) return;
  for (const row of rows) logger.warn(`cleaning up after interrupted pull of ${row.reference}`);
  await releaseOrphanLayerReferences(images, logger);
  await removeOrphanBlobs(images, logger);
  images.db.prepare('DELETE FROM pulls').run();
}

/** Each image holds one reference on every layer of its chain; references beyond that are orphans. */
async function releaseOrphanLayerReferences(images: ImageStore, logger: Logger): Promise<void> {
  const expected = new Map<string, number>();
  for (const image of images.list()) {
    if (!image.topLayer) continue;
    try {
      for (const layer of images.layers.chain(image.topLayer)) {
        expected.set(layer.chainId, (expected.get(layer.chainId) ?? 0) + 1);
      }
    } catch (err) {
      logger.warn(`image ${image.id}: ${(err as Error).message}`);
    }
  }
  // Top layers first, so that a parent is released after its children are gone.
  const depth = (chainId: string) => images.layers.chain(chainId).length;
  const layers = images.layers.list().sort((a, b) => depth(b.chainId) - depth(a.chainId));
  for (const layer of layers) {
    const extra = layer.references - (expected.get(layer.chainId) ?? 0);
    for (let i = 0; i < extra; i++) {
      if (!images.layers.get(layer.chainId)) break;
      await images.layers.release(layer.chainId);
    }
    if (extra > 0) logger.info(`released ${extra} orphan reference(s) to layer ${layer.chainId}`);
  }
}

/** Blobs no image (and no name in the layout's index.json) reaches, and unfinished writes. */
async function removeOrphanBlobs(images: ImageStore, logger: Logger): Promise<void> {
  const { content } = images;
  const roots: Descriptor[] = [...(await content.readIndex()).manifests];
  for (const image of images.list()) {
    if (image.manifestDigest && image.manifestMediaType) {
      roots.push({ mediaType: image.manifestMediaType, digest: image.manifestDigest } as Descriptor);
    }
    roots.push({ mediaType: 'application/vnd.oci.image.config.v1+json', digest: image.id } as Descriptor);
  }
  const { reached } = await content.walk(roots);
  const orphans = (await content.listBlobs()).filter((d) => !reached.has(d));
  images.holds.removeUnheld(orphans, (d) => content.blobPath(d));
  await rm(join(content.root, '.ingest'), { recursive: true, force: true });
  if (orphans.length) logger.info(`removed ${orphans.length} blob(s) left by an interrupted pull`);
}
