import { describe, expect, it } from 'vitest';
import { RAW_XATTRS } from '../src/tar/pax.js';
import { type TarEntrySink, type TarHeader, TarReader } from '../src/tar/tar-reader.js';
import { packTar } from './helpers.js';

// What a sink saw, whole or in pieces alike.
function read(tar: Buffer, chunkSize: number, wholeLimit?: number) {
  const seen: Array<{
    name: string;
    type: string;
    size: number;
    data: string;
    linkname?: string;
    xattr?: string;
  }> = [];
  let current: Buffer[] = [];
  let header: TarHeader | undefined;
  const push = (h: TarHeader, parts: Buffer[]) =>
    seen.push({
      name: h.name,
      type: h.type ?? 'file',
      size: h.size ?? 0,
      data: Buffer.concat(parts).toString('latin1'),
      ...(h.linkname ? { linkname: h.linkname } : {}),
      ...(h.pax?.[RAW_XATTRS] ? { xattr: h.pax[RAW_XATTRS].get('user.k')?.toString('hex') } : {}),
    });
  const sink: TarEntrySink = {
    whole: (h, parts) => push(h, parts),
    begin: (h) => {
      header = h;
      current = [];
    },
    data: (c) => current.push(Buffer.from(c)),
    end: () => push(header!, current),
  };
  const reader = new TarReader(sink, { wholeLimit });
  for (let off = 0; off < tar.length; off += chunkSize) reader.push(tar.subarray(off, off + chunkSize));
  reader.end();
  return seen;
}

describe('TarReader', () => {
  it('gives the same entries whatever the chunking, whole or streamed', async () => {
    const big = Buffer.alloc(70_000, 'b');
    const tar = await packTar([
      { header: { name: 'dir', type: 'directory' } },
      { header: { name: `long/${'n'.repeat(150)}/file` }, body: 'long name' },
      { header: { name: 'empty' }, body: '' },
      { header: { name: 'odd' }, body: 'x'.repeat(513) },
      { header: { name: 'big' }, body: big },
      { header: { name: 'ln', type: 'symlink', linkname: `${'t'.repeat(120)}/target` } },
      { header: { name: 'x', pax: { 'SCHILY.xattr.user.k': '\u0001v' } }, body: 'attrs' },
    ]);
    const reference = read(tar, tar.length);
    expect(reference.map((e) => e.name)).toEqual([
      'dir',
      `long/${'n'.repeat(150)}/file`,
      'empty',
      'odd',
      'big',
      'ln',
      'x',
    ]);
    expect(reference[4]!.data).toBe(big.toString('latin1'));
    expect(reference[5]!.linkname).toBe(`${'t'.repeat(120)}/target`);
    expect(reference[6]!.xattr).toBe('0176');
    for (const chunk of [1, 7, 511, 512, 513, 4096]) {
      for (const wholeLimit of [undefined, 0, 100]) {
        expect(read(tar, chunk, wholeLimit), `chunks of ${chunk}, wholeLimit ${wholeLimit}`).toEqual(
          reference,
        );
      }
    }
  });

  it('fails on a cut-off stream and on a corrupt header', async () => {
    const tar = await packTar([{ header: { name: 'f' }, body: 'hello' }]);
    expect(() => read(tar.subarray(0, 700), 512)).toThrow(/Unexpected end of data/);
    expect(() => read(tar.subarray(0, 300), 512)).toThrow(/Unexpected end of data/);
    const bad = Buffer.from(tar);
    bad[10] = (bad[10] ?? 0) ^ 0xff;
    expect(() => read(bad, 512)).toThrow(/Invalid tar header/);
  });
});
