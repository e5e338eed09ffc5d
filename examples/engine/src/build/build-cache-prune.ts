import { ApiError, badRequest } from '../api/api-error.js';
import { queryBool, queryFilters } from '../api/request-body.js';
import type { Daemon } from '../daemon/daemon.js';
import { deleteImage } from '../images/image-delete.js';
import { parseUntil } from '../images/image-filters.js';
import { BuildCacheStore } from './build-cache.js';
import { type BuildCacheRecord, buildCacheRecords } from './build-cache-records.js';

/** The filters of `POST /build/prune` berthd applies; the other documented ones are accepted and ignored. */
const KNOWN_FILTERS = new Set(['until', 'id', 'parent', 'type', 'description', 'inuse', 'shared', 'private']);

/** How many local parents an entry's image has: children are removed before their parents. */
function depthOf(record: BuildCacheRecord, byId: Map<string, BuildCacheRecord>): number {
  let depth = 0;
  for (let p = byId.get(record.parent); p; p = byId.get(p.parent)) depth++;
  return depth;
}

/**
 * `POST /build/prune` (`docker builder prune`, `docker system prune`): removes the images of build
 * cache entries no image needs (children first; one a container or a non-cache image still uses
 * stays), and with `all` also forgets the entries of images that are kept for another reason (the
 * images stay, later builds no longer reuse them). `until` narrows it to entries created before.
 */
export async function pruneBuildCache(
  daemon: Daemon,
  query: URLSearchParams,
): Promise<{ CachesDeleted: string[] | null; SpaceReclaimed: number }> {
  const filters = queryFilters(query);
  for (const key of filters.keys()) if (!KNOWN_FILTERS.has(key)) throw badRequest(`invalid filter '${key}'`);
  const until = filters.get('until')?.map(parseUntil);
  const ids = filters.get('id');
  const all = queryBool(query, 'all');
  const records = buildCacheRecords(daemon).filter(
    (r) =>
      (!until || until.every((t) => Date.parse(r.created) < t)) &&
      (!ids || ids.some((id) => r.imageId.replace(/^sha256:/, '').startsWith(id.replace(/^sha256:/, '')))),
  );
  const byId = new Map(records.map((r) => [r.imageId, r]));
  const layerSizes = new Map(daemon.layers.list().map((l) => [l.chainId as string, l.size]));
  const deleted: string[] = [];
  const forget: string[] = [];
  let reclaimed = 0;
  const unneeded = records.filter((r) => !r.shared).sort((a, b) => depthOf(b, byId) - depthOf(a, byId));
  for (const record of unneeded) {
    try {
      const removed = await deleteImage(daemon, record.imageId, { force: false, prune: false });
      for (const r of removed) if ('Deleted' in r) reclaimed += layerSizes.get(r.Deleted) ?? 0;
      deleted.push(record.imageId);
    } catch (err) {
      // Still a parent of another image, or used by a container: kept (with `all`, forgotten).
      if (!(err instanceof ApiError && (err.status === 409 || err.status === 404))) throw err;
      if (all) forget.push(record.imageId);
    }
  }
  if (all) for (const record of records) if (record.shared) forget.push(record.imageId);
  new BuildCacheStore(daemon.db).forget(forget);
  deleted.push(...forget);
  return {
    CachesDeleted: deleted.length ? deleted.map((id) => id.replace(/^sha256:/, '')) : null,
    SpaceReclaimed: reclaimed,
  };
}
