import type { RequestContext } from '../api/router.js';
import type { Daemon } from '../daemon/daemon.js';
import { withContainerRootfs } from './container-rootfs.js';
import { tarTree } from './rootfs-tar.js';
import { sendTar } from './tar-response.js';

/**
 * `GET /containers/{id}/export` (`docker export`): the container's whole filesystem, its image's
 * layers with its own changes over them, as one flat tar named from the root (`bin/busybox`).
 * Volumes and other mounts are not in it, as with dockerd.
 */
export async function exportContainer(daemon: Daemon, ctx: RequestContext): Promise<void> {
  const record = daemon.containers.store.resolve(ctx.params.id as string);
  await withContainerRootfs(daemon, record, async (root) => {
    ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
    await sendTar(daemon, ctx, tarTree(root, '', ''));
  });
  daemon.containers.emit(record, 'export');
}
