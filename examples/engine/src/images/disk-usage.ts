import { compareVersions } from '../api/api-version.js';
import { buildCacheItem, buildCacheRecords, buildCacheUsage } from '../build/build-cache-records.js';
import { containerSize } from '../containers/container-size.js';
import type { Daemon } from '../daemon/daemon.js';
import { imageSummary } from './image-inspect.js';

interface ContainerRow {
  id: string;
  name: string;
  image_id: string;
  image_name: string;
  created: string;
  config: string;
  state: string;
}

/** A container as `/system/df` lists it (the ContainerSummary shape), from its record. */
function containerSummary(row: ContainerRow): { State: string } & Record<string, unknown> {
  const config = safeJson(row.config) as {
    Cmd?: string[];
    Entrypoint?: string[];
    Labels?: Record<string, string>;
  };
  const state = safeJson(row.state) as { Status?: string };
  return {
    Id: row.id,
    Names: [`/${row.name}`],
    Image: row.image_name,
    ImageID: row.image_id,
    Command: [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])].join(' '),
    Created: Math.floor(Date.parse(row.created) / 1000) || 0,
    Ports: [],
    Labels: config.Labels ?? {},
    State: state.Status ?? 'created',
    Status: state.Status ?? 'created',
    Mounts: [],
  };
}

function safeJson(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/**
 * `GET /system/df`: layer, image, container, volume and build cache usage (the legacy fields up to
 * API 1.52, the usage objects from 1.52). Images kept only for the build cache (intermediate images,
 * and dangling ones a build step made) are reported as build cache, not as images.
 */
export async function diskUsage(daemon: Daemon, version: string): Promise<Record<string, unknown>> {
  const rows = daemon.db
    .prepare('SELECT id, name, image_id, image_name, created, config, state FROM containers')
    .all() as ContainerRow[];
  const useCount = new Map<string, number>();
  for (const r of rows) useCount.set(r.image_id, (useCount.get(r.image_id) ?? 0) + 1);
  const layersUsedBy = new Map<string, number>();
  const cache = buildCacheRecords(daemon);
  const cacheOnly = new Set(cache.filter((r) => !r.shared).map((r) => r.imageId));
  const parents = new Set(daemon.images.list().map((i) => i.parent));
  const images = daemon.images
    .list()
    .filter((i) => !cacheOnly.has(i.id) && !(i.tags.length + i.digests.length === 0 && parents.has(i.id)));
  const chains = new Map<string, { chainId: string; size: number }[]>();
  for (const image of images) {
    const chain = image.topLayer ? daemon.layers.chain(image.topLayer) : [];
    chains.set(image.id, chain);
    for (const l of chain) layersUsedBy.set(l.chainId, (layersUsedBy.get(l.chainId) ?? 0) + 1);
  }
  const summaries = [];
  for (const image of images) {
    const summary = await imageSummary(daemon, image, version, useCount.get(image.id) ?? 0);
    const shared = (chains.get(image.id) ?? [])
      .filter((l) => (layersUsedBy.get(l.chainId) ?? 0) > 1)
      .reduce((sum, l) => sum + l.size, 0);
    summaries.push({ ...summary, Containers: useCount.get(image.id) ?? 0, SharedSize: shared });
  }
  const containers = await Promise.all(
    rows.map(async (row) => {
      const record = daemon.containers.store.get(row.id);
      const size = record ? await containerSize(daemon, record) : { SizeRw: 0, SizeRootFs: 0 };
      return { ...containerSummary(row), ...size };
    }),
  );
  // The layers of the images listed, each once (the build cache's own are in its usage).
  const imageLayers = new Map<string, number>();
  for (const chain of chains.values()) for (const l of chain) imageLayers.set(l.chainId, l.size);
  const layersSize = [...imageLayers.values()].reduce((sum, size) => sum + size, 0);
  const volumeUsage = await daemon.volumes.usage();
  const volumes = volumeUsage.map((u) => daemon.volumes.toApi(u.volume, u));
  const out: Record<string, unknown> = {};
  if (compareVersions(version, '1.53') < 0) {
    Object.assign(out, {
      LayersSize: layersSize,
      Images: summaries,
      Containers: containers,
      Volumes: volumes,
      BuildCache: cache.map(buildCacheItem),
    });
  }
  if (compareVersions(version, '1.52') >= 0) {
    const unused = images.filter((i) => !useCount.has(i.id));
    out.ImageUsage = {
      ActiveCount: images.length - unused.length,
      TotalCount: images.length,
      Reclaimable: unused.reduce((sum, i) => sum + i.size, 0),
      TotalSize: layersSize,
      Items: summaries,
    };
    const running = containers.filter((c) => c.State === 'running').length;
    const sizeOf = (list: typeof containers) => list.reduce((sum, c) => sum + c.SizeRw, 0);
    out.ContainerUsage = {
      ActiveCount: running,
      TotalCount: containers.length,
      Reclaimable: sizeOf(containers.filter((c) => c.State !== 'running')),
      TotalSize: sizeOf(containers),
      Items: containers,
    };
    const unusedVolumes = volumeUsage.filter((u) => u.refCount === 0);
    out.VolumeUsage = {
      ActiveCount: volumeUsage.length - unusedVolumes.length,
      TotalCount: volumeUsage.length,
      Reclaimable: unusedVolumes.reduce((sum, u) => sum + u.size, 0),
      TotalSize: volumeUsage.reduce((sum, u) => sum + u.size, 0),
      Items: volumes,
    };
    out.BuildCacheUsage = { ...buildCacheUsage(cache), Items: cache.map(buildCacheItem) };
  }
  return out;
}
