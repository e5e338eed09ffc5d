import { constants } from 'node:fs';
import { callNative } from '../errors.js';
import { nativeAddon } from '../native.js';

interface MknodNative {
  mknod(
    rootFd: number,
    path: string,
    resolve: boolean | number,
    mode: number,
    major: number,
    minor: number,
  ): void;
}

export type NodeType = 'char' | 'block' | 'fifo';

const TYPE_BITS: Record<NodeType, number> = {
  char: constants.S_IFCHR,
  block: constants.S_IFBLK,
  fifo: constants.S_IFIFO,
};

/** The mknod(2) mode: the type bits plus the permission bits of `mode`. */
export function nodeMode(type: NodeType, mode: number): number {
  const bits = Object.hasOwn(TYPE_BITS, type) ? TYPE_BITS[type] : undefined;
  if (bits === undefined) throw new RangeError(`unknown node type ${JSON.stringify(type)}`);
  return bits | (mode & 0o7777);
}

/**
 * mknod(2): a character or block device, or a fifo. As with mknod(2) the process umask
 * applies to `mode`; chmod afterwards when the exact mode matters.
 */
export function mknod(path: string, type: NodeType, mode: number, major = 0, minor = 0): void {
  const m = nodeMode(type, mode);
  callNative(() => nativeAddon<MknodNative>().mknod(-1, path, false, m, major, minor));
}

/** mkfifo(3). */
export function mkfifo(path: string, mode = 0o644): void {
  mknod(path, 'fifo', mode);
}

/** An overlayfs whiteout: a character device 0:0, which hides `path` in the lower layers. */
export function mkwhiteout(path: string): void {
  mknod(path, 'char', 0, 0, 0);
}
