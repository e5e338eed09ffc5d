import { createHash, randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageSpecError, type OciLayout, parseDigest } from '@berth/image-spec';
import type { BlobRef } from './content-store.js';

/** Where image-spec's OciLayout keeps blobs being written (outside `blobs/`: never visible to readers). */
const INGEST_DIR = '.ingest';
/** Bytes gathered before one writev: fewer, larger writes than one per socket read. */
const WRITE_BATCH = 512 * 1024;

/**
 * Writes a blob into an OCI layout from a stream of chunks, with the same guarantees as
 * `OciLayout.writeBlob`: every byte is hashed and counted as it arrives (more bytes than expected
 * fail at once), the temp file is fsynced, and only a blob whose size and digest match is renamed
 * into `blobs/` (then the directory is fsynced); on any failure the temp file is removed.
 *
 * What it does differently: chunks are hashed as they arrive and written in batches with writev
 * (one write in flight while the next batch gathers), with no stream stages in between; and once a
 * chunk is on disk, `release` (if given) is told so that its memory can be given back at once.
 */
export async function ingestBlob(
  layout: OciLayout,
  chunks: AsyncIterable<Buffer>,
  expected: BlobRef,
  options: { signal?: AbortSignal; release?: (written: Buffer[]) => void } = {},
): Promise<{ created: boolean }> {
  const { signal, release } = options;
  const { algorithm, hex } = parseDigest(expected.digest);
  if (await layout.hasBlob(expected.digest)) return { created: false };
  const ingest = join(layout.root, INGEST_DIR);
  await mkdir(ingest, { recursive: true });
  const tmp = join(ingest, `.blob-${process.pid}-${randomBytes(6).toString('hex')}`);
  const file = await open(tmp, 'wx', 0o644);
  let closed = false;
  let writing: Promise<void> | undefined;
  try {
    const hash = createHash(algorithm);
    let size = 0;
    let batch: Buffer[] = [];
    let batchBytes = 0;
    const flush = async (buffers: Buffer[]) => {
      await writeAll(file, buffers);
      release?.(buffers);
    };
    for await (const chunk of chunks) {
      signal?.throwIfAborted();
      size += chunk.length;
      if (size > expected.size) throw sizeMismatch(expected, size, 'more than');
      hash.update(chunk);
      batch.push(chunk);
      batchBytes += chunk.length;
      if (batchBytes >= WRITE_BATCH) {
        await writing; // at most one write in flight: this is where backpressure starts
        writing = flush(batch);
        writing.catch(() => undefined); // awaited below; don't let it surface as unhandled first
        batch = [];
        batchBytes = 0;
      }
    }
    signal?.throwIfAborted();
    await writing;
    if (batch.length > 0) await flush(batch);
    if (size !== expected.size) throw sizeMismatch(expected, size, 'only');
    const actual = hash.digest('hex');
    if (actual !== hex) {
      throw new ImageSpecError(
        'ERR_DIGEST_MISMATCH',
        `content digest is ${algorithm}:${actual}, expected ${expected.digest}`,
      );
    }
    // Durable before it becomes visible. fdatasync: the data and the file size, which is all a
    // new file's content needs; timestamps may be lost in a crash, the bytes may not.
    await file.datasync();
    closed = true;
    await file.close();
    if (await layout.hasBlob(expected.digest)) {
      await rm(tmp, { force: true });
      return { created: false };
    }
    const dir = join(layout.root, 'blobs', algorithm);
    await mkdir(dir, { recursive: true });
    await rename(tmp, layout.blobPath(expected.digest));
    await syncDir(dir);
    return { created: true };
  } catch (err) {
    await writing?.catch(() => undefined);
    if (!closed) await file.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
}

/** writev until every byte is written (a regular file may take fewer bytes than asked). */
async function writeAll(file: FileHandle, buffers: Buffer[]): Promise<void> {
  let pending = buffers;
  for (;;) {
    const { bytesWritten } = await file.writev(pending);
    let left = bytesWritten;
    let i = 0;
    while (i < pending.length && left >= pending[i]!.length) left -= pending[i++]!.length;
    if (i === pending.length) return;
    pending = [pending[i]!.subarray(left), ...pending.slice(i + 1)];
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function sizeMismatch(expected: BlobRef, got: number, how: string): ImageSpecError {
  return new ImageSpecError(
    'ERR_SIZE_MISMATCH',
    `content of ${expected.digest} has ${how} ${got} bytes, expected ${expected.size}`,
  );
}
