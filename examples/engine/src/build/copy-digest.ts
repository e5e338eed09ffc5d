import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SafeRoot } from '@berth/libcontainer';
import { extract } from 'tar-stream';
import { badRequest } from '../api/api-error.js';
import { isDir } from '../containers/container-path.js';
import { tarTree } from '../containers/rootfs-tar.js';
import type { CopyRequest } from './build-step-copy.js';
import { type CopySource, resolveSources } from './copy-sources.js';

/** Pax records that only say when a file was touched: left out of the digest, as dockerd's tarsum does. */
const TIME_RECORDS = new Set(['mtime', 'atime', 'ctime']);

/**
 * The sha256 of one source's tree: each entry's name, type, mode, link target, xattrs and content,
 * and its owner when it keeps it (a stage's files; the context's become root's or --chown's anyway).
 * Modification times are left out, so a file saved again unchanged still hits the cache.
 */
async function sourceDigest(root: SafeRoot, source: CopySource, withOwner: boolean): Promise<string> {
  const hash = createHash('sha256');
  const top = isDir(source.stat) ? '' : source.name;
  const entries = extract();
  // pipeline, not pipe: an error reading the tree must end the loop below, not leave it waiting.
  pipeline(Readable.from(tarTree(root, source.rel, top)), entries).catch((err) => entries.destroy(err));
  for await (const entry of entries) {
    const h = entry.header;
    // tar-stream passes a header's pax records (xattrs) on as `pax`; its types leave it out.
    const records = (h as { pax?: Record<string, string> }).pax ?? {};
    const pax = Object.entries(records).filter(([k]) => !TIME_RECORDS.has(k) && k !== 'path' && k !== 'linkpath');
    hash.update(
      JSON.stringify([
        h.name,
        h.type,
        h.mode,
        h.linkname ?? '',
        h.size,
        withOwner ? [h.uid, h.gid] : [],
        h.devmajor ?? 0,
        h.devminor ?? 0,
        pax.sort(([a], [b]) => (a < b ? -1 : 1)),
      ]),
    );
    for await (const chunk of entry) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

/**
 * What a COPY/ADD copies, as its history comment and cache key say it (dockerd's form):
 * `[--chown=U:G ]file:<sha256> in /dest ` (`dir:` for a directory, `multi:` for several sources).
 * Computed before the step runs, so a step whose content did not change is found in the cache.
 */
export async function describeCopy(request: CopyRequest): Promise<string> {
  const name = request.kind.toUpperCase();
  const destAbs = posix.resolve('/', request.workdir || '/', request.dest);
  const destIsDir = request.dest.endsWith('/') || request.dest === '.' || request.dest.endsWith('/.');
  const root = SafeRoot.open(request.sourceRoot, { resolve: 'in-root' });
  try {
    const sources = resolveSources(request.sourceRoot, root, request.sources, request.from);
    if (sources.length > 1 && !destIsDir)
      throw badRequest(`When using ${name} with more than one source file, the destination must be a directory and end with a /`);
    const hashes: string[] = [];
    for (const source of sources) hashes.push(await sourceDigest(root, source, request.from === 'stage'));
    let what = 'file';
    if (sources.length > 1) what = 'multi';
    else if (sources[0] && isDir(sources[0].stat)) what = 'dir';
    const digest = hashes.length === 1 ? hashes[0] : createHash('sha256').update(hashes.join(',')).digest('hex');
    const chown = request.chown ? `--chown=${request.chown} ` : '';
    return `${chown}${what}:${digest} in ${request.dest.startsWith('/') ? request.dest : destAbs} `;
  } finally {
    root.close();
  }
}
