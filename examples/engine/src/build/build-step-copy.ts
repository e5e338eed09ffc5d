import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SafeRoot } from '@berth/libcontainer';
import { badRequest } from '../api/api-error.js';
import { extractArchive } from '../containers/archive-extract.js';
import { followInRoot, isDir, isRegular, lstatOrUndefined } from '../containers/container-path.js';
import type { ContainerRecord } from '../containers/container-record.js';
import { withContainerRootfs } from '../containers/container-rootfs.js';
import { containerUserIds, type UserIds } from '../containers/container-user-ids.js';
import { tarTree } from '../containers/rootfs-tar.js';
import type { BuildJob } from './build-job.js';
import { firstBlock, isTarHeader } from './tar-head.js';
import { type CopySource, resolveSources } from './copy-sources.js';

export interface CopyRequest {
  kind: 'copy' | 'add';
  /** Host path of the source root: the build context, or a stage's (mounted, read-only) filesystem. */
  sourceRoot: string;
  from: 'context' | 'stage';
  sources: string[];
  dest: string;
  workdir: string;
  chown?: string;
}

/**
 * Whether a context file is a tar archive (plain or gzip) that ADD unpacks: its first block is
 * a tar header, after inflating a gzip. Anything else, a gzip of a text file too, is copied as
 * it is (dockerd does the same).
 */
async function isTarArchive(file: string): Promise<boolean> {
  const { block } = await firstBlock(file);
  return block !== undefined && isTarHeader(block);
}

/** Writes the tar of one source (named `top`, '' for a directory's contents) to a spool file. */
async function spoolSource(root: SafeRoot, source: CopySource, top: string, spool: string): Promise<void> {
  await pipeline(Readable.from(tarTree(root, source.rel, top)), createWriteStream(spool, { mode: 0o600 }));
}

/**
 * COPY and ADD into the step container's rootfs: each source as a tar of its tree (read through a
 * SafeRoot on the source side) extracted through a SafeRoot on the destination side with the checks
 * of `docker cp`, so no path of either tree reaches outside its root. Docker's rules: a directory's
 * contents are copied, not the directory; a destination ending in `/` (or several sources) is a
 * directory; a file onto an existing directory goes inside it; ADD unpacks local tar archives.
 * Owners are root's (or `--chown`'s) from the context, kept from another stage. (The history comment
 * and cache key, computed before the step, are `describeCopy`'s.)
 */
export async function copyIntoContainer(job: BuildJob, record: ContainerRecord, request: CopyRequest): Promise<void> {
  const { kind, dest } = request;
  const name = kind.toUpperCase();
  const sourceRoot = SafeRoot.open(request.sourceRoot, { resolve: 'in-root' });
  const destAbs = posix.resolve('/', request.workdir || '/', dest);
  const destIsDir = dest.endsWith('/') || dest === '.' || dest.endsWith('/.');
  try {
    const sources = resolveSources(request.sourceRoot, sourceRoot, request.sources, request.from);
    if (sources.length > 1 && !destIsDir)
      throw badRequest(`When using ${name} with more than one source file, the destination must be a directory and end with a /`);
    await withContainerRootfs(job.daemon, record, async (root) => {
      let owner: UserIds | undefined;
      if (request.chown) owner = containerUserIds(root, request.chown);
      else if (request.from === 'context') owner = { uid: 0, gid: 0 };
      for (const source of sources) {
        job.check();
        const spool = join(job.workDir, `copy-${randomBytes(6).toString('hex')}.tar`);
        try {
          let directory = destAbs;
          let archive: string | undefined;
          let top = '';
          // A directory's contents go into the destination directory as they are.
          if (isDir(source.stat)) top = '';
          else if (
            kind === 'add' &&
            request.from === 'context' &&
            isRegular(source.stat) &&
            (await isTarArchive(join(request.sourceRoot, source.rel)))
          ) {
            archive = join(request.sourceRoot, source.rel);
          } else {
            const there = lstatOrUndefined(root, followInRoot(root, destAbs));
            if (destIsDir || (there && isDir(there))) top = source.name;
            else {
              directory = posix.dirname(destAbs);
              top = posix.basename(destAbs);
            }
          }
          root.mkdirAll(followInRoot(root, directory), 0o755);
          const rel = followInRoot(root, directory);
          if (archive) {
            await extractArchive(archive, root, {
              directory: rel,
              shownDirectory: directory,
              noOverwriteDirNonDir: false,
              ...(request.chown ? { owner } : {}),
            });
          } else {
            await spoolSource(sourceRoot, source, top, spool);
            await extractArchive(spool, root, {
              directory: rel,
              shownDirectory: directory,
              noOverwriteDirNonDir: false,
              ...(owner ? { owner } : {}),
            });
          }
        } finally {
          await rm(spool, { force: true });
        }
      }
    });
  } finally {
    sourceRoot.close();
  }
}
