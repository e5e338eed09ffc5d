import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { compressionOfHeader } from './layer-compression.js';

/**
 * `docker load` takes a plain tar or a gzipped one (`docker save | gzip`): peek at the first
 * chunk and gunzip when needed, without buffering more than that chunk.
 */
export async function decompressArchive(input: Readable): Promise<Readable> {
  const iterator = input[Symbol.asyncIterator]();
  const first = await iterator.next();
  const head: Buffer = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
  async function* whole(): AsyncGenerator<Buffer> {
    if (head.length > 0) yield head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  const joined = Readable.from(whole(), { objectMode: false });
  if (compressionOfHeader(head) !== 'gzip') return joined;
  const gunzip = createGunzip();
  // pipeline destroys gunzip with the error, which is what its reader then sees.
  pipeline(joined, gunzip).catch(() => undefined);
  return gunzip;
}
