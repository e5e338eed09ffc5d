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

/**
 * A tar header block: its checksum (the sum of its bytes, the checksum field read as spaces)
 * matches, which old v7 tars without the `ustar` magic pass too.
 */
export function isTarHeader(block: Buffer): boolean {
  if (block.length < BLOCK) return false;
  const field = block.subarray(148, 156).toString('latin1').replace(/[\0 ]+$/, '').trim();
  if (!/^[0-7]+$/.test(field)) return false;
  let sum = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) if (i < 148 || i >= 156) sum += block[i] as number;
  return sum === Number.parseInt(field, 8);
}
