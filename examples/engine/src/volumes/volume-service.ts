import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError, badRequest, conflict, notFound } from '../api/api-error.js';
import { VOLUME_NAME, volumeNamesOf } from '../containers/container-mounts.js';
import type { ContainerRecord } from '../containers/container-record.js';
import type { Daemon } from '../daemon/daemon.js';
import { directorySize } from './directory-size.js';
import { volumeListFilter, volumePruneFilter } from './volume-filters.js';

/** A volume of the `local` driver: a directory `<data-root>/volumes/<name>/_data`. */
export interface VolumeRecord {
  name: string;
  driver: string;
  created: string;
  labels: Record<string, string>;
  options: Record<string, string>;
  anonymous: boolean;
}

interface VolumeRow {
  name: string;
  driver: string;
  created: string;
  labels: string;
  options: string;
  anonymous: number;
}

const fromRow = (r: VolumeRow): VolumeRecord => ({
  name: r.name,
  driver: r.driver,
  created: r.created,
  labels: JSON.parse(r.labels) as Record<string, string>,
  options: JSON.parse(r.options) as Record<string, string>,
  anonymous: r.anonymous === 1,
});

/** Docker's volumes (the `local` driver only): records in SQLite, data under the data root. */
export class VolumeService {
  readonly root: string;

  constructor(private readonly daemon: Daemon) {
    this.root = join(daemon.config.dataRoot, 'volumes');
    mkdirSync(this.root, { recursive: true, mode: 0o701 });
  }

  dataOf(name: string): string {
    return join(this.root, name, '_data');
  }

  get(name: string): VolumeRecord | undefined {
    const row = this.daemon.db.prepare('SELECT * FROM volumes WHERE name = ?').get(name) as
      | VolumeRow
      | undefined;
    return row && fromRow(row);
  }

  resolve(name: string): VolumeRecord {
    const v = this.get(name);
    if (!v) throw notFound(`get ${name}: no such volume`);
    return v;
  }

  list(): VolumeRecord[] {
    return (this.daemon.db.prepare('SELECT * FROM volumes ORDER BY name').all() as VolumeRow[]).map(fromRow);
  }

  /**
   * Makes the volume if it does not exist (its directory, then its record) and returns it; an
   * existing one is returned as it is, as dockerd does for a repeated `volume create`.
   */
  ensure(
    name: string,
    options: {
      labels?: Record<string, string>;
      driverOpts?: Record<string, string>;
      anonymous?: boolean;
    } = {},
  ): VolumeRecord {
    const existing = this.get(name);
    if (existing) return existing;
    if (!VOLUME_NAME.test(name))
      throw badRequest(
        `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`,
      );
    mkdirSync(this.dataOf(name), { recursive: true, mode: 0o755 });
    const record: VolumeRecord = {
      name,
      driver: 'local',
      created: new Date().toISOString(),
      // dockerd marks anonymous volumes with this label too; clients filter on it.
      labels: options.anonymous
        ? { 'com.docker.volume.anonymous': '', ...options.labels }
        : (options.labels ?? {}),
      options: options.driverOpts ?? {},
      anonymous: options.anonymous ?? false,
    };
    this.daemon.db
      .prepare(
        'INSERT INTO volumes (name, driver, created, labels, options, anonymous) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(
        name,
        record.driver,
        record.created,
        JSON.stringify(record.labels),
        JSON.stringify(record.options),
        record.anonymous ? 1 : 0,
      );
    this.daemon.events.emit('volume', 'create', name, { driver: 'local' });
    return record;
  }

  /** `POST /volumes/create`. */
  create(request: {
    Name?: string | undefined;
    Driver?: string | undefined;
    DriverOpts?: Record<string, string> | null | undefined;
    Labels?: Record<string, string> | null | undefined;
  }): VolumeRecord {
    const driver = request.Driver || 'local';
    if (driver !== 'local')
      throw notFound(`error looking up volume plugin ${driver}: plugin "${driver}" not found`);
    // The local driver's options mount a filesystem (type/device/o); berthd keeps plain directories.
    if (request.DriverOpts && Object.keys(request.DriverOpts).length > 0)
      throw badRequest('create: local volume driver options (type, device, o) are not supported by berthd');
    const anonymous = !request.Name;
    return this.ensure(request.Name || randomBytes(32).toString('hex'), {
      labels: request.Labels ?? {},
      anonymous,
    });
  }

  /** The anonymous volumes a container got, by destination. */
  anonymousOf(containerId: string): Record<string, string> {
    const rows = this.daemon.db
      .prepare('SELECT destination, volume FROM container_volumes WHERE container_id = ?')
      .all(containerId) as { destination: string; volume: string }[];
    return Object.fromEntries(rows.map((r) => [r.destination, r.volume]));
  }

  /** Records, for a container being created, the anonymous volumes it gets (call in its transaction). */
  bindAnonymous(containerId: string, destinations: string[]): void {
    const insert = this.daemon.db.prepare(
      'INSERT INTO container_volumes (container_id, destination, volume) VALUES (?, ?, ?)',
    );
    for (const destination of destinations) {
      const volume = this.ensure(randomBytes(32).toString('hex'), { anonymous: true });
      insert.run(containerId, destination, volume.name);
    }
  }

  /** Containers (running or not) that mount the volume. */
  users(name: string): ContainerRecord[] {
    return this.daemon.containers.store
      .list()
      .filter((r) => volumeNamesOf(r.hostConfig, this.anonymousOf(r.id)).includes(name));
  }

  /** `DELETE /volumes/{name}`: refused while any container uses it, force or not (as dockerd). */
  remove(name: string, options: { force?: boolean } = {}): void {
    const volume = this.get(name);
    if (!volume) {
      if (options.force) return;
      throw notFound(`get ${name}: no such volume`);
    }
    const users = this.users(name);
    if (users.length > 0)
      throw conflict(`remove ${name}: volume is in use - [${users.map((u) => u.id).join(', ')}]`);
    this.#delete(name);
  }

  #delete(name: string): void {
    // The record goes first: a crash in between leaves a directory that start-up adopts again.
    this.daemon.db.prepare('DELETE FROM volumes WHERE name = ?').run(name);
    try {
      rmSync(join(this.root, name), { recursive: true, force: true });
    } catch (err) {
      throw new ApiError(500, `remove ${name}: ${(err as Error).message}`);
    }
    this.daemon.events.emit('volume', 'destroy', name, { driver: 'local' });
  }

  /** Removes a removed container's anonymous volumes that nothing else uses (rm -v, --rm). */
  removeAnonymous(names: string[]): void {
    for (const name of names) {
      if (this.get(name)?.anonymous && this.users(name).length === 0) this.#delete(name);
    }
  }

  listFiltered(filters: Map<string, string[]>): VolumeRecord[] {
    const used = this.#refCounts();
    return this.list().filter(volumeListFilter(filters, (v) => used.has(v.name)));
  }

  async prune(
    filters: Map<string, string[]>,
    apiAtLeast142: boolean,
  ): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }> {
    const used = this.#refCounts();
    const doomed = this.list().filter(
      (v) => !used.has(v.name) && volumePruneFilter(filters, apiAtLeast142)(v),
    );
    let reclaimed = 0;
    const deleted: string[] = [];
    for (const v of doomed) {
      reclaimed += await directorySize(this.dataOf(v.name));
      this.#delete(v.name);
      deleted.push(v.name);
    }
    return { VolumesDeleted: deleted, SpaceReclaimed: reclaimed };
  }

  /** Size and reference count of each volume, for `/system/df`. */
  async usage(): Promise<{ volume: VolumeRecord; size: number; refCount: number }[]> {
    const counts = this.#refCounts();
    const out = [];
    for (const volume of this.list()) {
      out.push({
        volume,
        size: await directorySize(this.dataOf(volume.name)),
        refCount: counts.get(volume.name) ?? 0,
      });
    }
    return out;
  }

  /** Directories without a record (made by an older berthd, or a crash between rm and record): adopted. */
  adoptOrphans(): void {
    for (const name of readdirSync(this.root)) {
      if (!VOLUME_NAME.test(name) || this.get(name) || !existsSync(this.dataOf(name))) continue;
      this.daemon.db
        .prepare('INSERT INTO volumes (name, driver, created, anonymous) VALUES (?, ?, ?, ?)')
        .run(
          name,
          'local',
          statSync(join(this.root, name)).mtime.toISOString(),
          /^[0-9a-f]{64}$/.test(name) ? 1 : 0,
        );
    }
  }

  /** How many containers (running or not) mount each volume. */
  #refCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.daemon.containers.store.list()) {
      for (const n of new Set(volumeNamesOf(r.hostConfig, this.anonymousOf(r.id))))
        counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    return counts;
  }

  /** The Volume object of the Engine API. */
  toApi(v: VolumeRecord, usage?: { size: number; refCount: number }): Record<string, unknown> {
    return {
      CreatedAt: v.created,
      Driver: v.driver,
      Labels: v.labels,
      Mountpoint: this.dataOf(v.name),
      Name: v.name,
      Options: v.options,
      Scope: 'local',
      ...(usage ? { UsageData: { Size: usage.size, RefCount: usage.refCount } } : {}),
    };
  }
}
