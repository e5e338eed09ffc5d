import { createHash } from 'node:crypto';

/**
 * The network driver's interface prefix for a daemon. The driver deletes, at start, every veth and
 * bridge with its prefix that it has no record of; daemons side by side (tests, several engines)
 * must therefore never share one. `berth` for the standard `berth0`, else `b` + 5 hex digits of
 * the bridge name: hex never spells `berth`, nor the `bt…` names of test bridges, so no prefix
 * is the start of another's names.
 */
export function interfacePrefixOf(bridgeName: string): string {
  if (bridgeName === 'berth0') return 'berth';
  return `b${createHash('sha256').update(bridgeName).digest('hex').slice(0, 5)}`;
}
