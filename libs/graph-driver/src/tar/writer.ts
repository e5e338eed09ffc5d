import { open } from 'node:fs/promises';
import { formatPaxTime } from './pax.js';

/** What the tar writer needs to know about one entry. */
export interface TarEntry {
  /** Relative path without a leading `/`; directories without a trailing one. */
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'link' | 'char' | 'block' | 'fifo';
  mode: number;
  uid: number;
  gid: number;
  /** Size of a regular file's content (0 for everything else). */
  size: number;
  mtimeNs: bigint;
  /** Symlink target, or the path a hardlink points to. */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: ReadonlyMap<string, Buffer>;
  /** Where to read a regular file's content from. */
  source?: string;
}

const TYPEFLAG: Record<TarEntry['type'], string> = {
  file: '0',
  link: '1',
  symlink: '2',
  char: '3',
  block: '4',
  directory: '5',
  fifo: '6',
};

const BLOCK = 512;
const NS = 1_000_000_000n;
const isAscii = (s: string) => /^[\x01-\x7f]*$/.test(s);

function octal(buf: Buffer, off: number, len: number, value: number | bigint): boolean {
  const s = value.toString(8);
  if (s.length > len - 1 || value < 0) return false;
  buf.write(s.padStart(len - 1, '0'), off, 'ascii');
  return true;
}

/** name/prefix split of ustar, or undefined when the name needs PAX. */
function splitName(name: string): [string, string] | undefined {
  if (!isAscii(name)) return undefined;
  if (name.length <= 100) return [name, ''];
  for (let i = name.indexOf('/'); i >= 0; i = name.indexOf('/', i + 1)) {
    const prefix = name.slice(0, i);
    const rest = name.slice(i + 1);
    if (prefix.length <= 155 && rest.length <= 100 && rest.length > 0) return [rest, prefix];
  }
  return undefined;
}

function paxRecord(key: string, value: Buffer | string): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), Buffer.from(value), Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

function ustar(
  e: Pick<TarEntry, 'mode' | 'uid' | 'gid' | 'size' | 'devmajor' | 'devminor'>,
  name: string,
  prefix: string,
  typeflag: string,
  linkname: string,
  mtimeSec: bigint,
): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(name, 0, 100, 'utf8');
  octal(b, 100, 8, e.mode & 0o7777);
  octal(b, 108, 8, e.uid) || octal(b, 108, 8, 0);
  octal(b, 116, 8, e.gid) || octal(b, 116, 8, 0);
  octal(b, 124, 12, e.size) || octal(b, 124, 12, 0);
  octal(b, 136, 12, mtimeSec) || octal(b, 136, 12, 0);
  b.write(typeflag, 156, 1, 'ascii');
  b.write(linkname, 157, 100, 'utf8');
  b.write('ustar\x0000', 257, 8, 'binary');
  octal(b, 329, 8, e.devmajor ?? 0);
  octal(b, 337, 8, e.devminor ?? 0);
  b.write(prefix, 345, 155, 'utf8');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += byte;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return b;
}

const pad = (n: number) => (BLOCK - (n % BLOCK)) % BLOCK;

/**
 * The header block(s) of an entry: a PAX extended header first when the entry needs one
 * (long or non-ASCII names, big ids or sizes, sub-second mtimes, xattrs), then ustar.
 */
export function encodeHeader(e: TarEntry): Buffer {
  const name = e.type === 'directory' ? `${e.name}/` : e.name;
  const linkname = e.linkname ?? '';
  const records: Buffer[] = [];
  const split = splitName(name);
  if (!split) records.push(paxRecord('path', name));
  const linkFits = isAscii(linkname) && Buffer.byteLength(linkname) <= 100;
  if (!linkFits) records.push(paxRecord('linkpath', linkname));
  if (e.uid > 0o7777777) records.push(paxRecord('uid', String(e.uid)));
  if (e.gid > 0o7777777) records.push(paxRecord('gid', String(e.gid)));
  if (e.size > 0o77777777777) records.push(paxRecord('size', String(e.size)));
  let sec = e.mtimeNs / NS;
  if (e.mtimeNs % NS !== 0n || e.mtimeNs < 0n || sec > 0o77777777777n) {
    records.push(paxRecord('mtime', formatPaxTime(e.mtimeNs)));
    if (e.mtimeNs < 0n || sec > 0o77777777777n) sec = 0n;
  }
  for (const [k, v] of e.xattrs ?? []) records.push(paxRecord(`SCHILY.xattr.${k}`, v));
  const [n, prefix] = split ?? [name.replace(/[^\x01-\x7f]/g, '_').slice(-100), ''];
  const main = ustar(e, n, prefix, TYPEFLAG[e.type], linkFits ? linkname : '', sec);
  if (records.length === 0) return main;
  const body = Buffer.concat(records);
  const base = n.replace(/\/$/, '').split('/').pop() ?? 'entry';
  const paxName = `PaxHeaders.0/${base}`.slice(0, 100);
  const paxHead = ustar(
    { mode: 0o644, uid: 0, gid: 0, size: body.length },
    paxName,
    '',
    'x',
    '',
    sec < 0n ? 0n : sec,
  );
  return Buffer.concat([paxHead, body, Buffer.alloc(pad(body.length)), main]);
}

/**
 * Tar bytes for `entries`, ending with the two zero blocks. Regular file content is read
 * from `source` in 1 MiB chunks; a file that shrank meanwhile is padded with zeros and
 * one that grew is cut, so the header's size always holds.
 */
export async function* tarBytes(
  entries: AsyncIterable<TarEntry> | Iterable<TarEntry>,
): AsyncGenerator<Buffer> {
  for await (const e of entries) {
    yield encodeHeader(e);
    if (e.type !== 'file' || e.size === 0) continue;
    const fh = await open(e.source!, 'r');
    try {
      let left = e.size;
      while (left > 0) {
        const buf = Buffer.allocUnsafe(Math.min(left, 1 << 20));
        const { bytesRead } = await fh.read(buf, 0, buf.length, null);
        if (bytesRead === 0) {
          yield Buffer.alloc(left);
          left = 0;
          break;
        }
        left -= bytesRead;
        yield buf.subarray(0, bytesRead);
      }
    } finally {
      await fh.close();
    }
    const p = pad(e.size);
    if (p) yield Buffer.alloc(p);
  }
  yield Buffer.alloc(BLOCK * 2);
}
