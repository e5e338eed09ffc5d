import { existsSync, realpathSync, statSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errnoOf } from '@berth/graph-driver';
import { SafeRoot } from '@berth/libcontainer';
import { conflict } from '../api/api-error.js';
import type { Daemon } from '../daemon/daemon.js';
import { followInRoot } from './container-path.js';
import { type ContainerRecord, isRunning } from './container-record.js';
import { withContainerRootfs } from './container-rootfs.js';
import { ContainerView, type ViewRoot } from './container-view.js';
import { type ViewMount, viewMountsOf } from './container-view-mounts.js';
import { openRunningTmpfs } from './running-tmpfs.js';

type OpenedRoot = Pick<ViewRoot, 'root' | 'leaf' | 'dev' | 'release'>;

/**
 * A volume or bind source (a host path the user or the engine chose: symlinks in it are followed,
 * as mount(2) does). A directory is the root itself; a file is its name in its directory's root.
 * Undefined when the source is gone (a bind's directory removed since).
 */
function openHostSource(path: string): OpenedRoot | undefined {
  let real: string;
  try {
    real = realpathSync(path);
    const st = statSync(real);
    if (st.isDirectory()) {
      const root = SafeRoot.open(real, { resolve: 'in-root' });
      return { root, leaf: '', dev: st.dev };
    }
    return { root: SafeRoot.open(dirname(real), { resolve: 'in-root' }), leaf: basename(real), dev: st.dev };
  } catch (err) {
    if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return undefined;
    throw err;
  }
}

/**
 * A tmpfs mount: a running container's own (through its mount namespace); otherwise an empty
 * directory with the tmpfs's mode that goes away with the view, as dockerd shows a stopped
 * container's tmpfs (what is copied into it is not kept).
 */
async function openTmpfs(
  daemon: Daemon,
  record: ContainerRecord,
  view: ContainerView,
  at: string,
  mode: number,
): Promise<OpenedRoot> {
  if (isRunning(record)) {
    const root = openRunningTmpfs(record.state.Pid, view.rootfs.root.lstat(''), at);
    if (root) return { root, leaf: '', dev: root.lstat('').dev };
    // Still running but out of reach: a stand-in would silently drop what is copied in.
    if (existsSync(`/proc/${record.state.Pid}`))
      throw conflict(`the tmpfs at ${at} of the running container cannot be reached`);
  }
  const dir = await mkdtemp(join(daemon.containers.dirOf(record.id), '.tmpfs-view-'));
  try {
    await chmod(dir, mode);
    const root = SafeRoot.open(dir, { resolve: 'in-root' });
    return {
      root,
      leaf: '',
      dev: root.lstat('').dev,
      release: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function openMount(
  daemon: Daemon,
  record: ContainerRecord,
  view: ContainerView,
  mount: ViewMount,
  at: string,
): Promise<OpenedRoot | undefined> {
  return mount.source.type === 'host'
    ? openHostSource(mount.source.path)
    : openTmpfs(daemon, record, view, at, mount.source.mode);
}

/**
 * Runs `use` with the container's filesystem as the container sees it (ContainerView): its rootfs
 * (see withContainerRootfs) with its volumes, binds, tmpfs mounts and network files over it, for
 * created, running and stopped containers alike. Each mount's destination is resolved as the
 * runtime resolves it, inside the view built so far (symlinks of the rootfs, and of mounts made
 * before it, followed).
 */
export async function withContainerView<T>(
  daemon: Daemon,
  record: ContainerRecord,
  use: (view: ContainerView) => Promise<T>,
): Promise<T> {
  const service = daemon.containers;
  const mounts = viewMountsOf(
    record.hostConfig,
    service.volumeMountsOf(record.id),
    service.networkFilesOf(record.id),
  );
  return withContainerRootfs(daemon, record, async (rootfs) => {
    const view = new ContainerView({
      at: '',
      root: rootfs,
      leaf: '',
      rw: !record.hostConfig.ReadonlyRootfs,
      dev: rootfs.lstat('').dev,
      destination: '/',
    });
    try {
      for (const mount of mounts) {
        const at = followInRoot(view, mount.destination);
        if (at === '') continue;
        const opened = await openMount(daemon, record, view, mount, at);
        if (opened) view.add({ ...opened, at, rw: mount.rw, destination: mount.destination });
      }
      return await use(view);
    } finally {
      await view.close();
    }
  });
}
