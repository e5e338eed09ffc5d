import { callNative } from '../errors.js';
import { nativeAddon } from '../native.js';

// Ownership: Node's fs.lchown/fs.lchownSync already change a symlink itself, so there is no
// plain-path lchown here; SafeRoot.lchown covers paths inside a root.

interface TimesNative {
  utimens(
    rootFd: number,
    path: string,
    resolve: boolean | number,
    atimeSec: number,
    atimeNsec: number,
    mtimeSec: number,
    mtimeNsec: number,
  ): void;
}

/**
 * A point in time with nanosecond precision: nanoseconds since the epoch as a bigint (as in
 * `fs.lstatSync(p, {bigint: true}).mtimeNs`), `{sec, nsec}`, a Date or a number of seconds
 * (millisecond precision), `'now'`, or `'omit'` to leave that time as it is.
 */
export type Timespec = bigint | { sec: number | bigint; nsec: number } | Date | number | 'now' | 'omit';

const UTIME_NOW = (1 << 30) - 1;
const UTIME_OMIT = (1 << 30) - 2;
const NS = 1_000_000_000n;

/** [seconds, nanoseconds] for utimensat(2), with 0 <= nanoseconds < 1e9. */
export function toTimespec(t: Timespec): [sec: number, nsec: number] {
  if (t === 'now') return [0, UTIME_NOW];
  if (t === 'omit') return [0, UTIME_OMIT];
  let ns: bigint;
  if (typeof t === 'bigint') ns = t;
  else if (t instanceof Date) ns = BigInt(t.getTime()) * 1_000_000n;
  else if (typeof t === 'number') ns = BigInt(Math.round(t * 1000)) * 1_000_000n;
  else {
    if (!Number.isInteger(t.nsec) || t.nsec < 0 || t.nsec >= 1e9) {
      throw new RangeError(`nsec must be an integer in [0, 1e9), got ${t.nsec}`);
    }
    ns = BigInt(t.sec) * NS + BigInt(t.nsec);
  }
  let sec = ns / NS;
  let nsec = ns % NS;
  if (nsec < 0n) {
    // bigint division truncates toward zero; times before 1970 need floor.
    nsec += NS;
    sec -= 1n;
  }
  return [Number(sec), Number(nsec)];
}

/** Sets the access and modification times of `path` itself (a symlink is not followed). */
export function lutimes(path: string, atime: Timespec, mtime: Timespec): void {
  const [as, an] = toTimespec(atime);
  const [ms, mn] = toTimespec(mtime);
  callNative(() => nativeAddon<TimesNative>().utimens(-1, path, false, as, an, ms, mn));
}
