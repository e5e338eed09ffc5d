import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { detectCompression } from '@berth/graph-driver';
import { MediaType } from '@berth/image-spec';
import { badRequest } from '../api/api-error.js';
import type { Daemon } from '../daemon/daemon.js';
import { applyChanges } from './commit-changes.js';
import { scratchRoot } from './image-archive.js';
import { type CommittedBlob, storeImage } from './image-commit.js';

export interface ImportOptions {
  /** Where the tarball came from, for the history comment (`-` for the request body). */
  source: string;
  tag?: string;
  /** The history comment instead of "Imported from …". */
  message?: string;
  /** Dockerfile instructions for the config (`docker import --change`). */
  changes: string[];
  signal?: AbortSignal;
}

/**
 * `docker import`: a root filesystem tarball (plain or gzip) becomes a one-layer image. The
 * layer is unpacked, and so checked, by the layer store before anything is written to the
 * content store; a bad tarball leaves nothing behind. Returns the image ID.
 */
export async function importRootfs(daemon: Daemon, body: Readable, options: ImportOptions): Promise<string> {
  const runConfig = applyChanges({}, options.changes); // a bad --change is refused before any work
  const dir = scratchRoot(daemon.images);
  await mkdir(dir, { recursive: true });
  const spool = join(dir, `import-${randomBytes(8).toString('hex')}`);
  const gzipped = `${spool}.gz`;
  // The body goes to the layer store and, for the content store's blob, to a spool file at once.
  const toLayer = new PassThrough();
  const toFile = createWriteStream(spool, { mode: 0o600 });
  body.pipe(toLayer);
  body.pipe(toFile);
  let layer: Awaited<ReturnType<Daemon['layers']['register']>> | undefined;
  try {
    [layer] = await Promise.all([
      daemon.layers.register(toLayer, null, options.signal ? { signal: options.signal } : {}),
      finished(toFile),
    ]);
    const blob = await gzipBlob(spool, gzipped, layer.diffId);
    return await storeImage(daemon, {
      base: undefined,
      blob,
      runConfig,
      history: { created_by: '', comment: options.message || `Imported from ${options.source}` },
      ...(options.tag ? { tags: [options.tag] } : {}),
    });
  } catch (err) {
    // Read the rest of the request and drop it: the client then gets the error, not a reset.
    body.unpipe();
    body.resume();
    toFile.destroy();
    throw err;
  } finally {
    // storeImage holds its own reference to the layer.
    if (layer) await daemon.layers.release(layer.chainId).catch(() => undefined);
    await rm(spool, { force: true });
    await rm(gzipped, { force: true });
  }
}

/** The layer's blob: the spooled body as it is when gzip, gzipped when a plain tar. */
async function gzipBlob(
  spool: string,
  gzipped: string,
  diffId: CommittedBlob['diffId'],
): Promise<CommittedBlob> {
  const head = Buffer.alloc(4);
  const fd = await open(spool);
  try {
    await fd.read(head, 0, 4, 0);
  } finally {
    await fd.close();
  }
  const compression = detectCompression(head);
  if (compression === 'zstd') throw badRequest('importing a zstd-compressed tarball is not supported');
  const path = compression === 'gzip' ? spool : gzipped;
  if (compression === 'none')
    await pipeline(createReadStream(spool), createGzip(), createWriteStream(gzipped));
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  const digest = `sha256:${hash.digest('hex')}` as const;
  return { path, digest, size, diffId, mediaType: MediaType.DockerLayerGzip };
}
