import { isGraphDriverError } from '@berth/graph-driver';
import { SafeRoot } from '@berth/libcontainer';
import { notFound } from '../api/api-error.js';
import type { Daemon } from '../daemon/daemon.js';
import type { ContainerRecord } from './container-record.js';

/**
 * Makes sure the container has its rw layer: a created container gets it now, as its first start
 * would (dockerd makes it at create). A start making it at the same moment is fine: same layer.
 */
export async function ensureRwLayer(daemon: Daemon, record: ContainerRecord): Promise<void> {
  const { layers } = daemon;
  if (layers.getRw(record.id)) return;
  const image = daemon.images.get(record.imageId);
  if (!image) throw notFound(`No such image: ${record.imageName}`);
  await layers.createRw(record.id, image.topLayer).catch((err) => {
    if (!isGraphDriverError(err, 'ERR_LAYER_EXISTS')) throw err;
  });
}

/**
 * Runs `use` with the container's root filesystem mounted and opened as a SafeRoot (RESOLVE_IN_ROOT:
 * every path, `..` and symlink of the container stays inside it), whatever state the container is
 * in. Mounts are counted by the graph driver, so this shares the mount of a running container and
 * never unmounts it from under it.
 */
export async function withContainerRootfs<T>(
  daemon: Daemon,
  record: ContainerRecord,
  use: (root: SafeRoot) => Promise<T>,
): Promise<T> {
  await ensureRwLayer(daemon, record);
  const path = await daemon.layers.mountRw(record.id);
  let root: SafeRoot | undefined;
  try {
    root = SafeRoot.open(path, { resolve: 'in-root' });
    return await use(root);
  } finally {
    root?.close();
    await daemon.layers.unmountRw(record.id);
  }
}
