import { badRequest, conflict, notFound } from '../api/api-error.js';
import type { Db } from '../state/database.js';
import type { ContainerRecord, ContainerState, HostConfig } from './container-record.js';

interface ContainerRow {
  id: string;
  name: string;
  image_id: string;
  image_name: string;
  created: string;
  config: string;
  host_config: string;
  networking: string;
  state: string;
  restart_count: number;
}

const fromRow = (row: ContainerRow): ContainerRecord => ({
  id: row.id,
  name: row.name,
  imageId: row.image_id,
  imageName: row.image_name,
  created: row.created,
  config: JSON.parse(row.config),
  hostConfig: JSON.parse(row.host_config),
  networking: JSON.parse(row.networking),
  state: JSON.parse(row.state),
  restartCount: row.restart_count,
});

export const nameConflict = (name: string, id: string) =>
  conflict(
    `Conflict. The container name "/${name}" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`,
  );

/** Container records in the `containers` table; names are unique there, so a conflict is atomic. */
export class ContainerStore {
  constructor(readonly db: Db) {}

  insert(r: ContainerRecord): void {
    try {
      this.db
        .prepare(
          `INSERT INTO containers(id, name, image_id, image_name, created, config, host_config, networking, state, restart_count)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          r.id,
          r.name,
          r.imageId,
          r.imageName,
          r.created,
          JSON.stringify(r.config),
          JSON.stringify(r.hostConfig),
          JSON.stringify(r.networking),
          JSON.stringify(r.state),
          r.restartCount,
        );
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        const holder = this.byName(r.name);
        throw nameConflict(r.name, holder?.id ?? '');
      }
      throw err;
    }
  }

  get(id: string): ContainerRecord | undefined {
    const row = this.db.prepare('SELECT * FROM containers WHERE id = ?').get(id) as ContainerRow | undefined;
    return row && fromRow(row);
  }

  byName(name: string): ContainerRecord | undefined {
    const row = this.db.prepare('SELECT * FROM containers WHERE name = ?').get(name) as
      | ContainerRow
      | undefined;
    return row && fromRow(row);
  }

  list(): ContainerRecord[] {
    return (
      this.db.prepare('SELECT * FROM containers ORDER BY created DESC, rowid DESC').all() as ContainerRow[]
    ).map(fromRow);
  }

  /** Docker's lookup: full ID, exact name (leading slash optional), then an unambiguous ID prefix. */
  find(idOrName: string): ContainerRecord | undefined {
    if (!idOrName) return undefined;
    const exact = this.get(idOrName) ?? this.byName(idOrName.replace(/^\//, ''));
    if (exact) return exact;
    if (!/^[a-f0-9]+$/.test(idOrName)) return undefined;
    const rows = this.db
      .prepare("SELECT * FROM containers WHERE id LIKE ? || '%' LIMIT 2")
      .all(idOrName) as ContainerRow[];
    if (rows.length > 1) throw badRequest(`Multiple IDs found with provided prefix: ${idOrName}`);
    return rows[0] && fromRow(rows[0]);
  }

  resolve(idOrName: string): ContainerRecord {
    const found = this.find(idOrName);
    if (!found) throw notFound(`No such container: ${idOrName}`);
    return found;
  }

  updateState(id: string, state: ContainerState, restartCount?: number): void {
    if (restartCount === undefined)
      this.db.prepare('UPDATE containers SET state = ? WHERE id = ?').run(JSON.stringify(state), id);
    else
      this.db
        .prepare('UPDATE containers SET state = ?, restart_count = ? WHERE id = ?')
        .run(JSON.stringify(state), restartCount, id);
  }

  updateHostConfig(id: string, hostConfig: HostConfig): void {
    this.db.prepare('UPDATE containers SET host_config = ? WHERE id = ?').run(JSON.stringify(hostConfig), id);
  }

  rename(id: string, name: string): void {
    try {
      this.db.prepare('UPDATE containers SET name = ? WHERE id = ?').run(name, id);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
        throw nameConflict(name, this.byName(name)?.id ?? '');
      throw err;
    }
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM containers WHERE id = ?').run(id);
  }
}
