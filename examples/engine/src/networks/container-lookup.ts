import type { Db } from '../state/database.js';
import type { EndpointRequest } from './endpoint-store.js';

/** What the network service reads of a container record. */
export interface ContainerRef {
  id: string;
  name: string;
  /** HostConfig.NetworkMode as created (`default` when empty). */
  networkMode: string;
  /** NetworkingConfig.EndpointsConfig as created. */
  endpointsConfig: Record<string, EndpointRequest>;
  /** HostConfig.ExtraHosts (`--add-host`). */
  extraHosts: string[];
}

interface RawContainer {
  id: string;
  name: string;
  host_config: string;
  networking: string;
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const decode = (r: RawContainer): ContainerRef => {
  const hostConfig = parseJson(r.host_config);
  const networking = parseJson(r.networking);
  // The column holds EndpointsConfig; accept the whole NetworkingConfig too.
  const endpoints = (networking.EndpointsConfig ?? networking) as Record<string, EndpointRequest>;
  const mode = typeof hostConfig.NetworkMode === 'string' ? hostConfig.NetworkMode : '';
  const extraHosts = Array.isArray(hostConfig.ExtraHosts) ? (hostConfig.ExtraHosts as string[]) : [];
  return {
    id: r.id,
    name: r.name,
    networkMode: mode || 'default',
    endpointsConfig: endpoints ?? {},
    extraHosts,
  };
};

/** Finds containers the way Docker does: full ID, name (with or without `/`), then a unique ID prefix. */
export class ContainerLookup {
  constructor(private readonly db: Db) {}

  find(ref: string): ContainerRef | undefined {
    const name = ref.startsWith('/') ? ref.slice(1) : ref;
    const exact = this.db
      .prepare('SELECT id, name, host_config, networking FROM containers WHERE id = ? OR name = ?')
      .get(ref, name) as RawContainer | undefined;
    if (exact) return decode(exact);
    if (!/^[0-9a-f]+$/.test(ref)) return undefined;
    const prefixed = this.db
      .prepare("SELECT id, name, host_config, networking FROM containers WHERE id LIKE ? || '%' LIMIT 2")
      .all(ref) as RawContainer[];
    return prefixed.length === 1 ? decode(prefixed[0] as RawContainer) : undefined;
  }

  byId(id: string): ContainerRef | undefined {
    const r = this.db
      .prepare('SELECT id, name, host_config, networking FROM containers WHERE id = ?')
      .get(id) as RawContainer | undefined;
    return r && decode(r);
  }

  names(ids: string[]): Map<string, string> {
    const out = new Map<string, string>();
    const stmt = this.db.prepare('SELECT name FROM containers WHERE id = ?');
    for (const id of ids) {
      const r = stmt.get(id) as { name: string } | undefined;
      if (r) out.set(id, r.name);
    }
    return out;
  }
}
