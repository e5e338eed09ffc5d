import type { Daemon } from '../daemon/daemon.js';
import type { ImageRecord } from '../images/image-store.js';
import { type BuildCacheEntry, BuildCacheStore } from './build-cache.js';

/** A build cache entry with what `/system/df` and `/build/prune` need to know about its image. */
export interface BuildCacheRecord extends BuildCacheEntry {
  /**
   * Its image is kept for something else than the cache: it has a name, a container uses it, or it
   * is a parent of such an image. Its layer is then counted with that image, and pruning the cache
   * only forgets the entry.
   */
  shared: boolean;
  /** Bytes of the layer the step added (0 for a config-only step). */
  size: number;
}

/**
 * The images kept for something else than the build cache: those with a name or a container, and
 * all their local parents.
 */
export function heldImages(daemon: Daemon, images: ImageRecord[] = daemon.images.list()): Set<string> {
  const byId = new Map(images.map((i) => [i.id, i]));
  const used = new Set(daemon.db.prepare('SELECT DISTINCT image_id FROM containers').pluck().all() as string[]);
  const held = new Set<string>();
  for (const image of images) {
    if (image.tags.length + image.digests.length === 0 && !used.has(image.id)) continue;
    let current: ImageRecord | undefined = image;
    while (current && !held.has(current.id)) {
      held.add(current.id);
      current = current.parent ? byId.get(current.parent) : undefined;
    }
  }
  return held;
}

/** Every build cache entry whose image is there, oldest first. */
export function buildCacheRecords(daemon: Daemon): BuildCacheRecord[] {
  const images = daemon.images.list();
  const byId = new Map(images.map((i) => [i.id, i]));
  const held = heldImages(daemon, images);
  const out: BuildCacheRecord[] = [];
  for (const entry of new BuildCacheStore(daemon.db).list()) {
    const image = byId.get(entry.imageId);
    if (!image) continue;
    const parentTop = entry.parent ? (byId.get(entry.parent)?.topLayer ?? null) : null;
    const ownLayer = image.topLayer && image.topLayer !== parentTop ? daemon.layers.get(image.topLayer) : undefined;
    out.push({ ...entry, shared: held.has(image.id), size: ownLayer?.size ?? 0 });
  }
  return out;
}

/** An entry as the API's BuildCache object (one per step image; `Parent` until API 1.42, `Parents` after). */
export function buildCacheItem(record: BuildCacheRecord): Record<string, unknown> {
  return {
    ID: record.imageId.replace(/^sha256:/, ''),
    Parent: record.parent.replace(/^sha256:/, ''),
    Parents: record.parent ? [record.parent.replace(/^sha256:/, '')] : null,
    Type: 'regular',
    Description: record.createdBy,
    InUse: false,
    Shared: record.shared,
    Size: record.size,
    CreatedAt: record.created,
    LastUsedAt: record.lastUsed,
    UsageCount: record.usageCount,
  };
}

/**
 * `BuildCacheUsage`: every entry counts; only the layers of entries no image needs (not shared)
 * count as size, and all of it can be reclaimed (`docker builder prune`). Shared entries are the
 * active ones; their layers are counted with the images that hold them.
 */
export function buildCacheUsage(records: BuildCacheRecord[]): Record<string, number> {
  const own = records.filter((r) => !r.shared).reduce((sum, r) => sum + r.size, 0);
  return {
    ActiveCount: records.filter((r) => r.shared).length,
    TotalCount: records.length,
    Reclaimable: own,
    TotalSize: own,
  };
}
