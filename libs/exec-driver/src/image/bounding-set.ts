import { readFileSync } from 'node:fs';

let cached: bigint | null | undefined;

/**
 * This process's capability bounding set (`CapBnd` in /proc/self/status), or null if it cannot be
 * read. A runtime cannot give a container a capability it does not hold itself: capset fails.
 */
export function boundingSet(): bigint | null {
  if (cached !== undefined) return cached;
  try {
    const m = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    cached = m ? BigInt(`0x${m[1]}`) : null;
  } catch {
    cached = null;
  }
  return cached;
}
