import { createRequire } from 'node:module';

/**
 * Raw bytes of `SCHILY.xattr.*` / `LIBARCHIVE.xattr.*` PAX records, keyed by attribute
 * name. tar-stream decodes PAX values as UTF-8, which mangles binary values such as
 * `security.capability`; the parser is wrapped once so that each decoded PAX object also
 * carries its xattrs as bytes under this symbol.
 */
export const RAW_XATTRS: unique symbol = Symbol.for('@berth/graph-driver.paxRawXattrs') as never;

export type PaxWithXattrs = Record<string, string> & { [RAW_XATTRS]?: Map<string, Buffer> };

interface TarHeaders {
  decodePax(buf: Buffer): Record<string, string>;
  __berthRawXattrs?: boolean;
}

const XATTR_PREFIXES = ['SCHILY.xattr.', 'LIBARCHIVE.xattr.'];

/** Decodes PAX records (`<len> <key>=<value>\n`), keeping values as bytes. */
export function decodePaxRecords(buf: Buffer): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  let off = 0;
  while (off < buf.length) {
    const sp = buf.indexOf(0x20, off);
    if (sp < 0) break;
    const len = Number.parseInt(buf.toString('latin1', off, sp), 10);
    if (!Number.isSafeInteger(len) || len <= sp - off + 1 || off + len > buf.length) break;
    const rec = buf.subarray(sp + 1, off + len - 1); // without the trailing newline
    const eq = rec.indexOf(0x3d);
    if (eq < 0) break;
    out.push([rec.toString('utf8', 0, eq), Buffer.from(rec.subarray(eq + 1))]);
    off += len;
  }
  return out;
}

let installed = false;

/** Wraps tar-stream's PAX decoder (idempotent); see RAW_XATTRS. */
export function installPaxXattrDecoder(): void {
  if (installed) return;
  const headers = createRequire(import.meta.url)('tar-stream/headers.js') as TarHeaders;
  if (!headers.__berthRawXattrs) {
    const original = headers.decodePax;
    headers.decodePax = (buf: Buffer) => {
      const result = original(buf) as PaxWithXattrs;
      let raw: Map<string, Buffer> | undefined;
      for (const [key, value] of decodePaxRecords(buf)) {
        const prefix = XATTR_PREFIXES.find((p) => key.startsWith(p));
        if (!prefix) continue;
        raw ??= new Map();
        raw.set(key.slice(prefix.length), value);
      }
      if (raw) result[RAW_XATTRS] = raw;
      return result;
    };
    headers.__berthRawXattrs = true;
  }
  installed = true;
}

const NS = 1_000_000_000n;

/** A PAX time (`1700000000.123456789`, maybe negative) as nanoseconds since the epoch. */
export function parsePaxTime(value: string | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!m) return undefined;
  const frac = (m[3] ?? '').slice(0, 9).padEnd(9, '0');
  const ns = BigInt(m[2]!) * NS + BigInt(frac);
  return m[1] ? -ns : ns;
}

/** Nanoseconds as a PAX time value (`sec` or `sec.fraction`, trailing zeros dropped). */
export function formatPaxTime(ns: bigint): string {
  const neg = ns < 0n;
  const a = neg ? -ns : ns;
  const sec = a / NS;
  const frac = (a % NS).toString().padStart(9, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${sec}${frac ? `.${frac}` : ''}`;
}
