import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { firstBlock, isTarHeader } from '../src/build/tar-head.js';

const dir = mkdtempSync(join(tmpdir(), 'berth-test-tarhead-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A v7 header (no ustar magic) for a file `name` of `size` bytes, with its checksum. */
function v7Header(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 'latin1');
  h.write('0000644\0', 100, 'latin1');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

describe('tar-head', () => {
  it('recognises tar headers by checksum, v7 ones included, and not text', () => {
    expect(isTarHeader(v7Header('Dockerfile', 12))).toBe(true);
    const broken = v7Header('Dockerfile', 12);
    broken[0] = 0x41;
    expect(isTarHeader(broken)).toBe(false);
    expect(isTarHeader(Buffer.from('FROM busybox\n'.padEnd(512, ' ')))).toBe(false);
  });

  it('reads the first block of a gzip without inflating the rest, and says when a gzip is broken', async () => {
    const big = Buffer.concat([v7Header('big', 64 << 20), Buffer.alloc(64 << 20)]);
    writeFileSync(join(dir, 'big.tar.gz'), gzipSync(big));
    const { gzip, block } = await firstBlock(join(dir, 'big.tar.gz'));
    expect(gzip).toBe(true);
    expect(block && isTarHeader(block)).toBe(true);
    writeFileSync(join(dir, 'bad.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    expect((await firstBlock(join(dir, 'bad.gz'))).block).toBeUndefined();
  });
});
