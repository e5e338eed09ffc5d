/**
 * A fast decoder for the common tar header: ustar or GNU magic, a valid checksum and plain
 * octal numbers. It reads the bytes in place (no block copy, no strings for numbers, no
 * Date, no uname/gname), which made tar-stream's decoder the biggest JS cost of an apply.
 * Anything else (base-256 numbers, odd padding, unknown formats, a bad checksum) returns
 * `undefined`, and the caller hands the block to tar-stream's decoder: its rules, results
 * and errors stay the reference, this only skips the work for headers it would accept.
 */

/** The fields TarReader needs (tar-stream's names; `mtime` in seconds). */
export interface RawHeader {
  name: string;
  type: string | null;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Seconds since the epoch. */
  mtime: number;
  linkname: string | null;
  devmajor: number;
  devminor: number;
  pax: null;
}

/** A zero block (end of archive): what tar-stream's decode returns as null. */
export const ZERO_BLOCK = null;

const SPACE = 0x20;

/**
 * A numeric field as tar-stream reads it (leading spaces, then up to the first space,
 * leading NULs skipped, octal digits until anything else), or -1 when tar-stream would
 * read it differently (base-256, a sign, no digit at all).
 */
function octal(b: Uint8Array, start: number, len: number): number {
  const limit = start + len;
  if (b[start]! & 0x80) return -1;
  let i = start;
  while (i < limit && b[i] === SPACE) i++;
  let end = i;
  while (end < limit && b[end] !== SPACE) end++;
  while (i < end && b[i] === 0) i++;
  if (i === end) return 0;
  let n = 0;
  const first = i;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c < 0x30 || c > 0x37) break;
    n = n * 8 + (c - 0x30);
  }
  return i === first ? -1 : n;
}

/** A NUL-terminated string field as UTF-8 (ASCII, the usual case, decoded as latin1: same result, faster). */
function str(b: Buffer, start: number, len: number): string {
  const limit = start + len;
  let ascii = true;
  let end = start;
  for (; end < limit; end++) {
    const c = b[end]!;
    if (c === 0) break;
    if (c & 0x80) ascii = false;
  }
  return b.toString(ascii ? 'latin1' : 'utf8', start, end);
}

function toType(flag: number): string | null {
  switch (flag) {
    case 0:
      return 'file';
    case 1:
      return 'link';
    case 2:
      return 'symlink';
    case 3:
      return 'character-device';
    case 4:
      return 'block-device';
    case 5:
      return 'directory';
    case 6:
      return 'fifo';
    case 7:
      return 'contiguous-file';
    case 72:
      return 'pax-header';
    case 55:
      return 'pax-global-header';
    case 27:
      return 'gnu-long-link-path';
    case 28:
    case 30:
      return 'gnu-long-path';
  }
  return null;
}

const isUstar = (b: Uint8Array, o: number) =>
  b[o + 257] === 0x75 &&
  b[o + 258] === 0x73 &&
  b[o + 259] === 0x74 &&
  b[o + 260] === 0x61 &&
  b[o + 261] === 0x72 &&
  (b[o + 262] === 0 || (b[o + 262] === SPACE && b[o + 263] === SPACE && b[o + 264] === 0));

/**
 * Decodes the 512-byte header at `off` of `b`: the header, `null` for a zero block, or
 * `undefined` when this fast path does not apply (use tar-stream's decoder on the block).
 */
export function decodeHeader(b: Buffer, off: number): RawHeader | null | undefined {
  let sum = 8 * SPACE;
  for (let i = off; i < off + 148; i++) sum += b[i]!;
  for (let i = off + 156; i < off + 512; i++) sum += b[i]!;
  // tar-stream: a block whose checksum is just the blank checksum field's is the end.
  if (sum === 8 * SPACE) return ZERO_BLOCK;
  if (sum !== octal(b, off + 148, 8) || !isUstar(b, off)) return undefined;
  const mode = octal(b, off + 100, 8);
  const uid = octal(b, off + 108, 8);
  const gid = octal(b, off + 116, 8);
  const size = octal(b, off + 124, 12);
  const mtime = octal(b, off + 136, 12);
  const devmajor = octal(b, off + 329, 8);
  const devminor = octal(b, off + 337, 8);
  if ((mode | uid | gid | devmajor | devminor) < 0 || size < 0 || mtime < 0) return undefined;
  const typeflag = b[off + 156] === 0 ? 0 : b[off + 156]! - 0x30;
  let name = str(b, off, 100);
  // ustar (not GNU) puts a prefix of long names at 345.
  if (b[off + 262] === 0 && b[off + 345] !== 0) name = `${str(b, off + 345, 155)}/${name}`;
  // tar-stream turns a v7 `name/` file into typeflag 5 only after it took the type: the type
  // stays `file` there, and so it does here.
  return {
    name,
    type: toType(typeflag),
    mode,
    uid,
    gid,
    size,
    mtime,
    linkname: b[off + 157] === 0 ? null : str(b, off + 157, 100),
    devmajor,
    devminor,
    pax: null,
  };
}
