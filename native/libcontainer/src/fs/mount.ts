import { callNative } from '../errors.js';
import { nativeAddon } from '../native.js';
import { type MountFlagName, mountFlags } from './mount-flags.js';

interface MountNative {
  mount(
    source: string | null,
    target: string,
    fstype: string | null,
    flags: number,
    data: string | null,
  ): void;
  umount(target: string, flags: number): void;
  pageSize(): number;
}

const native = () => nativeAddon<MountNative>();

/**
 * mount(2). `flags` are names (`['bind', 'rec']`, `['remount', 'bind', 'ro']`, `['rprivate']`)
 * or the MS_* number. The kernel reads at most one page of `data`: longer data fails here with
 * errnoCode E2BIG ("mount data longer than a page") instead of being cut off. For overlay, use
 * short layer paths (links) or {@link mountOverlay}, which lifts the limit.
 */
export function mount(
  source: string | null,
  target: string,
  fstype: string | null,
  flags: readonly MountFlagName[] | number = 0,
  data?: string,
): void {
  const n = mountFlags(flags);
  callNative(() => native().mount(source, target, fstype, n, data ?? null));
}

export interface UmountOptions {
  /** MNT_DETACH: lazy unmount, detached now and cleaned up once no longer busy. */
  detach?: boolean;
  /** MNT_FORCE: abort pending requests (network filesystems). */
  force?: boolean;
  /** UMOUNT_NOFOLLOW: don't follow `target` if it is a symlink. */
  noFollow?: boolean;
}

/** umount2(2). */
export function umount(target: string, options: UmountOptions = {}): void {
  const flags = (options.force ? 1 : 0) | (options.detach ? 2 : 0) | (options.noFollow ? 8 : 0);
  callNative(() => native().umount(target, flags));
}

/** The page size, which is the limit on mount(2) data. */
export function pageSize(): number {
  return native().pageSize();
}
