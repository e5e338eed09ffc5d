import type { Db } from '../state/database.js';

/** Drivers a network record can have: user networks are `bridge`; `host` and `null` are predefined. */
export type NetworkDriverName = 'bridge' | 'host' | 'null';

/** A row of the `networks` table, decoded. */
export interface NetworkRow {
  id: string;
  name: string;
  driver: NetworkDriverName;
  created: string;
  internal: boolean;
  attachable: boolean;
  options: Record<string, string>;
  labels: Record<string, string>;
}

interface RawNetworkRow {
  id: string;
  name: string;
  driver: string;
  created: string;
  internal: number;
  attachable: number;
  options: string;
  labels: string;
}

const decode = (r: RawNetworkRow): NetworkRow => ({
  id: r.id,
  name: r.name,
  driver: r.driver as NetworkDriverName,
  created: r.created,
  internal: r.internal === 1,
  attachable: r.attachable === 1,
  options: JSON.parse(r.options) as Record<string, string>,
  labels: JSON.parse(r.labels) as Record<string, string>,
});

/** The `networks` table: Docker's view of a network (ID, labels, options); addresses live in the driver. */
export class NetworkStore {
  constructor(private readonly db: Db) {}

  list(): NetworkRow[] {
    const rows = this.db.prepare('SELECT * FROM networks ORDER BY created, name').all() as RawNetworkRow[];
    return rows.map(decode);
  }

  byId(id: string): NetworkRow | undefined {
    const r = this.db.prepare('SELECT * FROM networks WHERE id = ?').get(id) as RawNetworkRow | undefined;
    return r && decode(r);
  }

  byName(name: string): NetworkRow | undefined {
    const r = this.db.prepare('SELECT * FROM networks WHERE name = ?').get(name) as RawNetworkRow | undefined;
    return r && decode(r);
  }

  /** Networks whose ID starts with `prefix`. */
  byIdPrefix(prefix: string): NetworkRow[] {
    if (!/^[0-9a-f]+$/.test(prefix)) return [];
    const rows = this.db
      .prepare("SELECT * FROM networks WHERE id LIKE ? || '%'")
      .all(prefix) as RawNetworkRow[];
    return rows.map(decode);
  }

  insert(row: NetworkRow): void {
    this.db
      .prepare(
        `INSERT INTO networks (id, name, driver, created, internal, attachable, options, labels)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        row.id,
        row.name,
        row.driver,
        row.created,
        row.internal ? 1 : 0,
        row.attachable ? 1 : 0,
        JSON.stringify(row.options),
        JSON.stringify(row.labels),
      );
  }

  /** Removes the record and every endpoint record on it (stopped containers forget the network, as in Docker). */
  delete(id: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM endpoints WHERE network_id = ?').run(id);
      this.db.prepare('DELETE FROM networks WHERE id = ?').run(id);
    })();
  }
}
