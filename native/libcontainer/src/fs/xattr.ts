import { callNative } from '../errors.js';
import { nativeAddon } from '../native.js';

/** The addon's xattr calls: rootFd -1 for a plain path, or a SafeRoot's fd. */
export interface XattrNative {
  xattrSet(
    rootFd: number,
    path: string,
    resolve: boolean | number,
    name: string,
    value: Buffer,
    flags: number,
  ): void;
  xattrGet(rootFd: number, path: string, resolve: boolean | number, name: string): Buffer | null;
  xattrList(rootFd: number, path: string, resolve: boolean | number): string[];
  xattrRemove(rootFd: number, path: string, resolve: boolean | number, name: string): void;
}

/** `create`: fail with EEXIST if set (XATTR_CREATE); `replace`: fail with ENODATA if not. */
export type XattrFlag = 'create' | 'replace';

export function xattrFlags(flag: XattrFlag | number | undefined): number {
  if (flag === undefined || typeof flag === 'number') return flag ?? 0;
  if (flag === 'create') return 1;
  if (flag === 'replace') return 2;
  throw new RangeError(`unknown xattr flag ${JSON.stringify(flag)}`);
}

export const toBuffer = (value: Uint8Array | string): Buffer =>
  typeof value === 'string'
    ? Buffer.from(value)
    : Buffer.from(value.buffer, value.byteOffset, value.byteLength);

const native = () => nativeAddon<XattrNative>();

/**
 * Sets an extended attribute on `path` itself (a symlink is not followed), e.g.
 * `trusted.overlay.opaque` = `y` or a `security.capability` blob.
 */
export function lsetxattr(
  path: string,
  name: string,
  value: Uint8Array | string,
  flag?: XattrFlag | number,
): void {
  const buf = toBuffer(value);
  const flags = xattrFlags(flag);
  callNative(() => native().xattrSet(-1, path, false, name, buf, flags));
}

/** The attribute's value, or null if `path` has no such attribute. */
export function lgetxattr(path: string, name: string): Buffer | null {
  return callNative(() => native().xattrGet(-1, path, false, name));
}

/** The names of the attributes the caller may see. */
export function llistxattr(path: string): string[] {
  return callNative(() => native().xattrList(-1, path, false));
}

export function lremovexattr(path: string, name: string): void {
  callNative(() => native().xattrRemove(-1, path, false, name));
}
