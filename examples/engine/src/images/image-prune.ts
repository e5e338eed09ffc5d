import { ApiError } from '../api/api-error.js';
import type { Daemon } from '../daemon/daemon.js';
import { containersUsing, type DeleteRecord, deleteImage } from './image-delete.js';
import { imageFilter } from './image-filters.js';

/**
 * `POST /images/prune`: dangling images (or, with `dangling=false`, every image no container uses),
 * narrowed by `until` and `label`. Images a container uses are skipped, as dockerd does.
 */
export async function pruneImages(
  daemon: Daemon,
  filters: Map<string, string[]>,
): Promise<{ ImagesDeleted: DeleteRecord[] | null; SpaceReclaimed: number }> {
  const dangling = filters.get('dangling') ?? ['true'];
  const danglingOnly = !dangling.some((v) => v === 'false' || v === '0');
  const narrowed = new Map(filters);
  narrowed.delete('dangling');
  const matches = imageFilter(daemon.images, narrowed, ['until', 'label', 'label!']);
  const layerSizes = new Map(daemon.layers.list().map((l) => [l.chainId as string, l.size]));
  const hasChildren = daemon.db.prepare('SELECT 1 FROM images WHERE parent = ? LIMIT 1');
  const deleted: DeleteRecord[] = [];
  for (const image of daemon.images.list()) {
    const names = [...image.tags, ...image.digests];
    if (names.length === 0 && hasChildren.get(image.id)) continue; // an intermediate image
    const labels = (await daemon.images.config(image.id).catch(() => undefined))?.config?.Labels ?? {};
    if (!matches({ image, labels })) continue;
    if (danglingOnly && image.tags.length > 0) continue;
    // An image a container (even a stopped one) uses keeps all its names.
    if (containersUsing(daemon, image.id).length > 0) continue;
    const targets = names.length > 0 ? names : [image.id];
    for (const target of targets) {
      try {
        deleted.push(...(await deleteImage(daemon, target, { force: false, prune: true })));
      } catch (err) {
        // A conflict (a container uses it) or an image gone meanwhile: leave it, as dockerd does.
        if (err instanceof ApiError && (err.status === 409 || err.status === 404)) continue;
        throw err;
      }
    }
  }
  let reclaimed = 0;
  for (const record of deleted) {
    if ('Deleted' in record) reclaimed += layerSizes.get(record.Deleted) ?? 0;
  }
  daemon.events.emit('image', 'prune', '', { reclaimed: String(reclaimed) });
  return { ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed };
}
