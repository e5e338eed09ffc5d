import type { PortMapping } from '@berth/network-driver';
import type { Db } from '../state/database.js';

/** What a container asked for on one network (Docker's EndpointSettings input). */
export interface EndpointRequest {
  Aliases?: string[] | null;
  IPAMConfig?: { IPv4Address?: string } | null;
}

/** An endpoint while its container runs: what the driver gave it. */
export interface LiveEndpoint {
  EndpointID: string;
  IPAddress: string;
  IPPrefixLen: number;
  Gateway: string;
  MacAddress: string;
  /** Published ports on this endpoint (they go on the first network that routes outside). */
  ports: PortMapping[];
  /** Config.ExposedPorts of the container, listed as unpublished ports in NetworkSettings. */
  exposed: string[];
  /** The network namespace file, '' for host mode. */
  sandboxKey: string;
}

/** The JSON in `endpoints.config`. */
export interface EndpointConfig extends EndpointRequest {
  /** Set by `network disconnect`: the container left this network for good (its create request named it). */
  disconnected?: boolean;
  /** Present while attached. */
  live?: LiveEndpoint;
}

export interface EndpointRow {
  containerId: string;
  networkId: string;
  config: EndpointConfig;
}

interface RawEndpointRow {
  container_id: string;
  network_id: string;
  config: string;
}

const decode = (r: RawEndpointRow): EndpointRow => ({
  containerId: r.container_id,
  networkId: r.network_id,
  config: JSON.parse(r.config) as EndpointConfig,
});

/**
 * The `endpoints` table: which networks each container belongs to (kept while it is stopped, so
 * that it rejoins them at its next start) and, while it runs, its addresses and ports there.
 */
export class EndpointStore {
  constructor(private readonly db: Db) {}

  ofContainer(containerId: string): EndpointRow[] {
    const rows = this.db
      .prepare('SELECT * FROM endpoints WHERE container_id = ? ORDER BY rowid')
      .all(containerId) as RawEndpointRow[];
    return rows.map(decode);
  }

  ofNetwork(networkId: string): EndpointRow[] {
    const rows = this.db
      .prepare('SELECT * FROM endpoints WHERE network_id = ? ORDER BY rowid')
      .all(networkId) as RawEndpointRow[];
    return rows.map(decode);
  }

  all(): EndpointRow[] {
    return (this.db.prepare('SELECT * FROM endpoints').all() as RawEndpointRow[]).map(decode);
  }

  get(containerId: string, networkId: string): EndpointRow | undefined {
    const r = this.db
      .prepare('SELECT * FROM endpoints WHERE container_id = ? AND network_id = ?')
      .get(containerId, networkId) as RawEndpointRow | undefined;
    return r && decode(r);
  }

  put(containerId: string, networkId: string, config: EndpointConfig): void {
    this.db
      .prepare(
        `INSERT INTO endpoints (container_id, network_id, config) VALUES (?, ?, ?)
         ON CONFLICT (container_id, network_id) DO UPDATE SET config = excluded.config`,
      )
      .run(containerId, networkId, JSON.stringify(config));
  }

  /** Forgets the live part of an endpoint (the container stopped); the membership stays. */
  clearLive(containerId: string, networkId: string): void {
    const row = this.get(containerId, networkId);
    if (!row?.config.live) return;
    const { live: _live, ...rest } = row.config;
    this.put(containerId, networkId, rest);
  }
}
