import { callNative } from '../errors.js';
import { nativeAddon } from '../native.js';
import { mount, pageSize } from './mount.js';
import { MOUNT_FLAGS, type MountFlagName, mountFlags } from './mount-flags.js';

interface OverlayNative {
  mountOverlayFs(
    lower: readonly string[],
    upper: string | null,
    work: string | null,
    target: string,
    flags: number,
    options: readonly string[],
  ): void;
}

export interface OverlayMount {
  /** Lower layers, topmost first (as in `lowerdir=top:…:bottom`). */
  lower: readonly string[];
  /** Upper (writable) layer and its work dir, on the same filesystem; both or neither. */
  upper?: string;
  work?: string;
  target: string;
  /** Per-mount flags: ro, nosuid, nodev, noexec, noatime, nodiratime, relatime, strictatime. */
  flags?: readonly MountFlagName[] | number;
  /** Further overlay options, `key=value` or a bare flag: `index=off`, `userxattr`, `volatile`. */
  options?: readonly string[];
}

/** How the overlay was mounted: one mount(2) call, or the new mount API. */
export type OverlayMountMethod = 'mount' | 'fsmount';

const ALLOWED_FLAGS =
  MOUNT_FLAGS.ro |
  MOUNT_FLAGS.nosuid |
  MOUNT_FLAGS.nodev |
  MOUNT_FLAGS.noexec |
  MOUNT_FLAGS.noatime |
  MOUNT_FLAGS.nodiratime |
  MOUNT_FLAGS.relatime |
  MOUNT_FLAGS.strictatime;

// Overlay splits options on `,` and lowerdir on `:`; a backslash escapes either.
const escapeOverlayPath = (path: string) => path.replace(/[\\,:]/g, (c) => `\\${c}`);

/** The mount(2) data string for an overlay: `lowerdir=…,upperdir=…,workdir=…[,options]`. */
export function overlayMountData(o: OverlayMount): string {
  const parts = [`lowerdir=${o.lower.map(escapeOverlayPath).join(':')}`];
  if (o.upper !== undefined) {
    parts.push(`upperdir=${escapeOverlayPath(o.upper)}`, `workdir=${escapeOverlayPath(o.work ?? '')}`);
  }
  return [...parts, ...(o.options ?? [])].join(',');
}

/**
 * Mounts an overlay. While the option string fits in a page this is one mount(2) call.
 * Beyond that (deep images, long paths) it uses fsopen/fsconfig/fsmount/move_mount and adds
 * each lower layer on its own (`lowerdir+`, Linux >= 6.8), as a directory fd where the kernel
 * takes one (>= 6.13: no length limit) or as a path (< 256 bytes each). On older kernels a
 * long option string fails with the kernel's "Unknown parameter 'lowerdir+'": keep paths
 * short there (overlay2's `l/` links), or mount from a thread that did unshare(CLONE_FS) and
 * chdir to the layers' common parent, using relative paths.
 */
export function mountOverlay(o: OverlayMount): OverlayMountMethod {
  if (o.lower.length === 0) throw new RangeError('mountOverlay: at least one lower layer is needed');
  if ((o.upper === undefined) !== (o.work === undefined)) {
    throw new RangeError('mountOverlay: give both upper and work, or neither');
  }
  const flags = mountFlags(o.flags ?? 0);
  if ((flags & ~ALLOWED_FLAGS) !== 0) {
    throw new RangeError(
      'mountOverlay: only per-mount flags (ro, nosuid, nodev, noexec, *atime) are allowed',
    );
  }
  const data = overlayMountData(o);
  if (Buffer.byteLength(data) + 1 <= pageSize()) {
    mount('overlay', o.target, 'overlay', flags, data);
    return 'mount';
  }
  callNative(() =>
    nativeAddon<OverlayNative>().mountOverlayFs(
      o.lower,
      o.upper ?? null,
      o.work ?? null,
      o.target,
      flags,
      o.options ?? [],
    ),
  );
  return 'fsmount';
}
