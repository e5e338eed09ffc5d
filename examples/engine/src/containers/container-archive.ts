import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { badRequest, notFound } from '../api/api-error.js';
import { queryBool } from '../api/request-body.js';
import type { RequestContext } from '../api/router.js';
import type { Daemon } from '../daemon/daemon.js';
import { extractArchive } from './archive-extract.js';
import { followInRoot, isDir, lstatOrUndefined, resolveArchivePath } from './container-path.js';
import { setPathStatHeader, statArchivePath } from './container-path-stat.js';
import { containerUserIds } from './container-user-ids.js';
import { withContainerView } from './container-view-open.js';
import { tarTree } from './rootfs-tar.js';
import { sendTar } from './tar-response.js';

// `docker cp`: the archive endpoints, for created, running and stopped containers alike. Paths are
// the container's, resolved in its filesystem as it sees it (ContainerView): the rw layer over the
// image, with its volumes, binds, tmpfs mounts and network files over it, as dockerd shows them.

function requiredPath(ctx: RequestContext): string {
  const path = ctx.query.get('path');
  if (!path) throw badRequest('path is required: the container path to copy from or to');
  return path;
}

/** `HEAD /containers/{id}/archive?path=`: the path's stat, in `X-Docker-Container-Path-Stat`. */
export async function statContainerPath(daemon: Daemon, ctx: RequestContext): Promise<void> {
  const record = daemon.containers.store.resolve(ctx.params.id as string);
  const path = requiredPath(ctx);
  await withContainerView(daemon, record, async (view) => {
    const { pathStat } = statArchivePath(view, resolveArchivePath(view, path), record.name);
    setPathStatHeader(ctx.res, pathStat);
    ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
    ctx.res.end();
  });
}

/** `GET /containers/{id}/archive?path=`: a tar of the path (a directory with all below it). */
export async function getContainerArchive(daemon: Daemon, ctx: RequestContext): Promise<void> {
  const record = daemon.containers.store.resolve(ctx.params.id as string);
  const path = requiredPath(ctx);
  await withContainerView(daemon, record, async (view) => {
    const resolved = resolveArchivePath(view, path);
    const { pathStat } = statArchivePath(view, resolved, record.name);
    setPathStatHeader(ctx.res, pathStat);
    ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
    // Entries are named from the path's own name, as moby's rebase does (`c:/etc` → `etc/…`).
    const top = resolved.name === '/' ? '.' : resolved.name;
    await sendTar(daemon, ctx, tarTree(view, resolved.rel, top));
  });
  daemon.containers.emit(record, 'archive-path', { path });
}

/**
 * `PUT /containers/{id}/archive?path=&noOverwriteDirNonDir=&copyUIDGID=`: extracts the tar in the
 * body into the directory `path`. The body is spooled to the container's directory first, so that
 * the whole archive is checked before anything is written (see ArchiveRules).
 */
export async function putContainerArchive(daemon: Daemon, ctx: RequestContext): Promise<void> {
  const record = daemon.containers.store.resolve(ctx.params.id as string);
  const path = requiredPath(ctx);
  const spool = join(daemon.containers.dirOf(record.id), `.archive-${randomBytes(6).toString('hex')}.tar`);
  try {
    await withContainerView(daemon, record, async (view) => {
      const directory = followInRoot(view, `/${path}`);
      const st = lstatOrUndefined(view, directory);
      if (!st) throw notFound(`Could not find the file ${path} in container ${record.name}`);
      if (!isDir(st)) throw badRequest(`extraction point is not a directory: ${path}`);
      // In a read-only mount, or a read-only rootfs outside the container's mounts: refused.
      view.checkWritable(directory);
      await pipeline(ctx.req, createWriteStream(spool, { mode: 0o600 }));
      await extractArchive(spool, view, {
        directory,
        shownDirectory: path,
        noOverwriteDirNonDir: queryBool(ctx.query, 'noOverwriteDirNonDir'),
        checkWrite: (path, kind, linkPath) => view.checkWrite(path, kind, linkPath),
        ...(queryBool(ctx.query, 'copyUIDGID') ? { owner: containerUserIds(view, record.config.User) } : {}),
      });
    });
  } finally {
    await rm(spool, { force: true });
  }
  daemon.containers.emit(record, 'extract-to-dir', { path });
  // The CLI takes only a 200 here (not 204).
  ctx.res.writeHead(200, { 'Content-Length': 0 });
  ctx.res.end();
}
