import { type BigIntStats, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { lgetxattr } from '@berth/libcontainer';
import { errnoOf } from '../errors.js';

/** The overlay xattr that makes a directory hide what the layers below have in it. */
export const OPAQUE_XATTR = 'trusted.overlay.opaque';

const lstatQuiet = (p: string): BigIntStats | undefined => {
  try {
    return lstatSync(p, { bigint: true });
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
};

export const isWhiteoutStat = (st: { isCharacterDevice(): boolean; rdev: number | bigint }) =>
  st.isCharacterDevice() && Number(st.rdev) === 0;

export function isOpaqueDir(hostPath: string): boolean {
  try {
    return lgetxattr(hostPath, OPAQUE_XATTR)?.toString() === 'y';
  } catch {
    return false;
  }
}

export interface LowerHit {
  /** The layer directory that provides the entry. */
  layer: string;
  /** Host path of the entry (no symlink on the way). */
  hostPath: string;
  stat: BigIntStats;
}

/**
 * Finds `path` in a stack of overlay-form layer directories (topmost first), as the
 * merged overlay would show it: a whiteout (char 0:0) deletes it, an opaque directory on
 * the way hides the layers below. Every directory on the way must be a real directory in
 * the layer that provides it; a symlink on the way counts as not found (so nothing ever
 * resolves outside the layer directories).
 */
export function lookupInLayers(layers: readonly string[], path: string): LowerHit | undefined {
  const comps = path.split('/').filter(Boolean);
  if (comps.length === 0) return undefined;
  for (const layer of layers) {
    let stop = false;
    let p = layer;
    for (let i = 0; i < comps.length; i++) {
      p = join(p, comps[i]!);
      const st = lstatQuiet(p);
      if (!st) break;
      if (isWhiteoutStat(st)) return undefined;
      if (i === comps.length - 1) return { layer, hostPath: p, stat: st };
      if (!st.isDirectory()) return undefined;
      if (isOpaqueDir(p)) stop = true;
    }
    if (stop) return undefined;
  }
  return undefined;
}
