import { randomBytes } from 'node:crypto';
import type { NetworkInfo } from '@berth/network-driver';
import type { NetworkRow, NetworkStore } from './network-store.js';

/** The networks every engine has and no one may create or remove (Docker's pre-defined networks). */
export const PREDEFINED_NAMES = ['bridge', 'host', 'none'] as const;

export const isPredefined = (row: { name: string }) =>
  (PREDEFINED_NAMES as readonly string[]).includes(row.name);

/** `default` is Docker's other spelling of the default bridge in NetworkMode. */
export const isPredefinedName = (name: string) => isPredefined({ name }) || name === 'default';

/**
 * Gives bridge, host and none their records on first start. The bridge takes the driver's ID of
 * its default network; host and none get random IDs once, kept from then on.
 */
export function ensurePredefined(store: NetworkStore, defaultNetwork: NetworkInfo | undefined): void {
  const now = new Date().toISOString();
  const base = { created: now, internal: false, attachable: false, options: {}, labels: {} };
  const wanted: NetworkRow[] = [
    ...(defaultNetwork
      ? [{ ...base, id: defaultNetwork.id, name: 'bridge', driver: 'bridge' as const }]
      : []),
    { ...base, id: randomBytes(32).toString('hex'), name: 'host', driver: 'host' },
    { ...base, id: randomBytes(32).toString('hex'), name: 'none', driver: 'null' },
  ];
  for (const row of wanted) if (!store.byName(row.name)) store.insert(row);
}
