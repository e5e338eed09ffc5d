import { createHash } from 'node:crypto';
import { parseDigest } from './digest/digest.js';
import type { Digest } from './types/descriptor.js';

/**
 * Chain IDs of a stack of layers, per the OCI config spec: the first is the first diff
 * ID; each next one is sha256 of "<previous chain ID> <diff ID>".
 * Returns one chain ID per layer (the last one names the whole stack).
 */
export function chainIds(diffIds: readonly string[]): Digest[] {
  const out: Digest[] = [];
  diffIds.forEach((diffId, i) => {
    parseDigest(diffId, `rootfs.diff_ids[${i}]`);
    const previous = out[i - 1];
    out.push(
      previous === undefined
        ? (diffId as Digest)
        : `sha256:${createHash('sha256').update(`${previous} ${diffId}`).digest('hex')}`,
    );
  });
  return out;
}

/** The chain ID of the whole stack, or undefined for an image with no layers. */
export function chainId(diffIds: readonly string[]): Digest | undefined {
  return chainIds(diffIds).at(-1);
}
