import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type ApplyLayerResult, applyLayer } from '../apply/apply-layer.js';
import { EntryFactory } from '../diff/entries.js';
import { compareTrees, diffBytes, diffChanges, diffEntries } from '../diff/tree-diff.js';
import { GraphDriverError } from '../errors.js';
import { tarBytes } from '../tar/writer.js';
import {
  type ApplyDiffOptions,
  type Change,
  checkId,
  type DriverOptions,
  type GraphDriver,
  KeyedMutex,
  notFound,
} from './driver.js';
import { copyTree, readJson, removeTempLeftovers, tmpName } from './fs-util.js';

interface VfsMeta {
  parent: string | null;
  rw: boolean;
}

/**
 * vfs: each layer is a full copy of its parent plus its own changes (`<home>/<id>/root`).
 * Slow and big, but works on any filesystem and needs no mounts. A layer's root appears
 * atomically (copied and applied in a temp dir, then renamed).
 */
export class VfsDriver implements GraphDriver {
  readonly name = 'vfs' as const;
  readonly home: string;
  readonly #opts: DriverOptions;
  readonly #refs = new Map<string, number>();
  readonly #lock = new KeyedMutex();

  private constructor(home: string, opts: DriverOptions) {
    this.home = home;
    this.#opts = opts;
  }

  /** Opens (creating) the driver's home and removes leftovers of interrupted work. */
  static async open(home: string, options: DriverOptions = {}): Promise<VfsDriver> {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    removeTempLeftovers(home);
    for (const id of readdirSync(home)) {
      if (existsSync(join(home, id, 'meta.json'))) removeTempLeftovers(join(home, id));
    }
    return new VfsDriver(home, options);
  }

  #dir = (id: string) => join(this.home, checkId(id));
  #root = (id: string) => join(this.#dir(id), 'root');

  #meta(id: string): VfsMeta {
    const p = join(this.#dir(id), 'meta.json');
    if (!existsSync(p)) throw notFound(id);
    return readJson<VfsMeta>(p);
  }

  async create(id: string, parent?: string | null): Promise<void> {
    await this.#create(id, parent ?? null, false);
  }

  async createReadWrite(id: string, parent?: string | null): Promise<void> {
    await this.#create(id, parent ?? null, true);
    await this.#materialize(id);
  }

  async #create(id: string, parent: string | null, rw: boolean): Promise<void> {
    const dir = this.#dir(id);
    if (parent !== null) this.#meta(parent);
    if (existsSync(dir))
      throw new GraphDriverError('ERR_LAYER_EXISTS', `layer ${id} already exists`, { path: id });
    const tmp = tmpName(dir);
    mkdirSync(tmp, { mode: 0o700 });
    writeFileSync(join(tmp, 'meta.json'), JSON.stringify({ parent, rw } satisfies VfsMeta));
    try {
      renameSync(tmp, dir);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw new GraphDriverError('ERR_LAYER_EXISTS', `layer ${id} already exists`, { path: id, cause: err });
    }
  }

  /** Makes `<id>/root` exist: a copy of the parent's root (or an empty dir). */
  #materialize(id: string): Promise<string> {
    return this.#lock.run(id, async () => {
      const root = this.#root(id);
      if (existsSync(root)) return root;
      const { parent } = this.#meta(id);
      const tmp = tmpName(root);
      if (parent !== null) await copyTree(await this.#materialize(parent), tmp);
      else mkdirSync(tmp, { mode: 0o755 });
      renameSync(tmp, root);
      return root;
    });
  }

  async remove(id: string): Promise<void> {
    this.#meta(id);
    if ((this.#refs.get(id) ?? 0) > 0) {
      throw new GraphDriverError('ERR_LAYER_IN_USE', `layer ${id} is in use`, { path: id });
    }
    await this.#lock.run(id, () => {
      // Rename first so that a crash halfway leaves a leftover, never a half layer.
      const gone = tmpName(this.#dir(id));
      renameSync(this.#dir(id), gone);
      rmSync(gone, { recursive: true, force: true });
    });
  }

  async get(id: string): Promise<string> {
    const root = await this.#materialize(id);
    this.#refs.set(id, (this.#refs.get(id) ?? 0) + 1);
    return root;
  }

  async put(id: string): Promise<void> {
    const n = this.#refs.get(id) ?? 0;
    if (n <= 0) throw new GraphDriverError('ERR_LAYER_INVALID', `layer ${id} is not in use`, { path: id });
    if (n === 1) this.#refs.delete(id);
    else this.#refs.set(id, n - 1);
  }

  async exists(id: string): Promise<boolean> {
    return existsSync(join(this.#dir(id), 'meta.json'));
  }

  #parentRoot(id: string, parent: string | null | undefined): string | undefined {
    const p = parent === undefined ? this.#meta(id).parent : parent;
    return p === null ? undefined : this.#root(p);
  }

  async #items(id: string, parent: string | null | undefined) {
    const root = await this.#materialize(id);
    const p = parent === undefined ? this.#meta(id).parent : parent;
    const parentRoot = p === null ? undefined : await this.#materialize(p);
    return compareTrees(root, parentRoot);
  }

  diff(id: string, parent?: string | null): Readable {
    const factory = new EntryFactory(this.#opts.idMappings);
    const self = this;
    return Readable.from(
      (async function* () {
        yield* tarBytes(diffEntries(await self.#items(id, parent), factory));
      })(),
      { objectMode: false },
    );
  }

  async changes(id: string, parent?: string | null): Promise<Change[]> {
    return [...diffChanges(await this.#items(id, parent))];
  }

  async diffSize(id: string, parent?: string | null): Promise<number> {
    return diffBytes(await this.#items(id, parent));
  }

  async applyDiff(
    id: string,
    parent: string | null | undefined,
    diff: Readable | AsyncIterable<Uint8Array>,
    options: ApplyDiffOptions = {},
  ): Promise<ApplyLayerResult> {
    const meta = this.#meta(id);
    if (parent !== undefined && parent !== meta.parent) {
      throw new GraphDriverError('ERR_LAYER_INVALID', `layer ${id} has parent ${meta.parent}, not ${parent}`);
    }
    const root = this.#root(id);
    const base = existsSync(root) ? root : this.#parentRoot(id, meta.parent);
    if (base !== undefined && !existsSync(base)) await this.#materialize(meta.parent!);
    return this.#lock.run(id, async () => {
      const staging = tmpName(root);
      try {
        if (base !== undefined) await copyTree(base, staging);
        else mkdirSync(staging, { mode: 0o755 });
        const result = await applyLayer(diff, staging, {
          ...options,
          whiteouts: 'vfs',
          inPlace: true,
          idMappings: this.#opts.idMappings,
        });
        if (existsSync(root)) {
          const old = tmpName(root);
          renameSync(root, old);
          renameSync(staging, root);
          rmSync(old, { recursive: true, force: true });
        } else renameSync(staging, root);
        return result;
      } catch (err) {
        rmSync(staging, { recursive: true, force: true });
        throw err;
      }
    });
  }

  async status(): Promise<Record<string, string>> {
    const layers = readdirSync(this.home).filter((n) => !n.includes('.berth-tmp-')).length;
    return { Driver: 'vfs', 'Root Dir': this.home, Layers: String(layers) };
  }

  async cleanup(): Promise<void> {
    this.#refs.clear();
  }

  /** Ids of the layers present. */
  list(): string[] {
    return readdirSync(this.home).filter((n) => !n.includes('.berth-tmp-'));
  }
}
