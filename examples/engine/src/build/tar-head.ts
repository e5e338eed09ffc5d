import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

const BLOCK = 512;

/**
 * The first tar block of a file, inflated first when the file is gzip. Streamed: only as much
 * is inflated as the block needs (a large or hostile gzip is never inflated whole). Empty when
 * the file (or its inflated content) is empty; undefined for a broken gzip.
 */
export async function firstBlock(file: string): Promise<{ gzip: boolean; block: Buffer | undefined }> {
  const raw = createReadStream(file, { start: 0, end: BLOCK - 1 });
  const magic: Buffer[] = [];
  for await (const chunk of raw) magic.push(chunk as Buffer);
  const head = Buffer.concat(magic);
  if (head[0] !== 0x1f || head[1] !== 0x8b) return { gzip: false, block: head };
  const inflate = createReadStream(file).pipe(createGunzip());
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of inflate) {
      parts.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= BLOCK) break;
    }
  } catch {
    return { gzip: true, block: undefined };
  } finally {
    inflate.destroy();
  }
  return { gzip: true, block: Buffer.concat(parts).subarray(0, BLOCK) };
}

/** A ustar (or GNU) header block: the `ustar` magic at offset 257. */
export function isTarHeader(block: Buffer): boolean {
  return block.length >= 262 && block.subarray(257, 262).toString('latin1') === 'ustar';
}
