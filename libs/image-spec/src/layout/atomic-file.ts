import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A unique name for a temporary file inside `dir`. */
export function tempName(dir: string, hint = 'tmp'): string {
  return join(dir, `.${hint}-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/** fsync a directory so that a rename inside it survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Streams `source` through `through` into `tempPath`, then fsyncs it. On any failure
 * (including a check failing in `through`) the temp file is removed and the error rethrown.
 */
export async function streamToTempFile(
  source: Readable,
  through: Transform,
  tempPath: string,
  signal?: AbortSignal,
) {
  await mkdir(dirname(tempPath), { recursive: true });
  const out = createWriteStream(tempPath, { flags: 'wx', mode: 0o644 });
  try {
    await pipeline(source, through, out, { signal });
    const fh = await open(tempPath, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (err) {
    // A stream destroyed while its file is still being opened creates the file afterwards:
    // wait until it is closed, then remove it.
    if (!out.closed) await once(out, 'close').catch(() => undefined);
    await rm(tempPath, { force: true });
    throw err;
  }
}

/** Writes small content atomically: temp file, fsync, rename, fsync of the directory. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = tempName(dir);
  const fh = await open(tmp, 'wx', 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDir(dir);
}
