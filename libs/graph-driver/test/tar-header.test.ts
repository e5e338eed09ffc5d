import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { decodeHeader } from '../src/tar/header.js';

// tar-stream's own encoder and decoder are the reference the fast path must agree with.
const headers = createRequire(import.meta.url)('tar-stream/headers.js') as {
  encode(h: Record<string, unknown>): Buffer | null;
  decode(buf: Buffer, enc: string, allowUnknown: boolean): Record<string, unknown> | null;
};

const base = { mode: 0o644, uid: 1000, gid: 1000, size: 5, mtime: new Date(1_700_000_000_000), type: 'file' };

/** A header block with its checksum recomputed after `edit`. */
function block(h: Record<string, unknown>, edit?: (b: Buffer) => void): Buffer {
  const b = Buffer.from(headers.encode({ ...base, ...h })!);
  if (edit) {
    edit(b);
    b.fill(0x20, 148, 156);
    let sum = 0;
    for (const x of b) sum += x;
    b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  }
  return b;
}

/** The fast result in tar-stream's shape (mtime as a Date; no uname/gname). */
function reference(b: Buffer) {
  const r = headers.decode(b, 'utf-8', false);
  if (!r) return r;
  const { uname: _u, gname: _g, ...rest } = r;
  return rest;
}

function fast(b: Buffer, at = 0) {
  const padded = Buffer.concat([Buffer.alloc(at, 7), b]);
  const r = decodeHeader(padded, at);
  return r ? { ...r, mtime: new Date(r.mtime * 1000) } : r;
}

describe('decodeHeader (fast path)', () => {
  it('agrees with tar-stream on the usual headers, at any offset', () => {
    const cases = [
      block({ name: 'usr/bin/env' }),
      block({ name: 'dir', type: 'directory', mode: 0o4755, size: 0 }),
      block({ name: `${'p'.repeat(120)}/name` }), // ustar prefix
      block({ name: 'ln', type: 'symlink', linkname: '../target', size: 0 }),
      block({ name: 'dev', type: 'character-device', devmajor: 1, devminor: 3, size: 0 }),
      block({ name: 'h', type: 'link', linkname: 'usr/bin/env', size: 0 }),
      block({ name: 'x' }, (b) => {
        b.fill(0, 0, 100);
        b.write('caf\u00e9/\u00fcber', 0, 'utf8'); // tar-stream's encoder writes ASCII names only
      }),
      block({ name: 'old/' }, (b) => {
        b[156] = 0; // a v7 directory: typeflag NUL and a trailing slash
      }),
      block({ name: 'gnu' }, (b) => b.write('ustar  \0', 257, 'latin1')),
      block({ name: 'spaces' }, (b) => b.write('  644 \0\0', 100, 'latin1')),
    ];
    for (const b of cases) {
      expect(fast(b), b.toString('latin1', 0, 20)).toEqual(reference(b));
      expect(fast(b, 13)).toEqual(reference(b));
    }
  });

  it('returns null for a zero block and leaves anything unusual to tar-stream', () => {
    expect(decodeHeader(Buffer.alloc(512), 0)).toBeNull();
    const big = block({ name: 'big' }, (b) => {
      b[124] = 0x80; // base-256 size
      b.fill(0, 125, 136);
      b[135] = 9;
    });
    expect(decodeHeader(big, 0)).toBeUndefined();
    const badSum = block({ name: 'x' });
    badSum[0] = badSum[0]! ^ 1;
    expect(decodeHeader(badSum, 0)).toBeUndefined();
    const unknown = block({ name: 'x' }, (b) => b.fill(0, 257, 265));
    expect(decodeHeader(unknown, 0)).toBeUndefined();
    const signed = block({ name: 'x' }, (b) => b.write('-0000001', 108, 'latin1'));
    expect(decodeHeader(signed, 0)).toBeUndefined();
  });
});
