import { randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { chainIds, DigestCalculator, MediaType, parseDigest } from '@berth/image-spec';
import type { ApplyProgress } from '../apply/apply-layer.js';
import type { IdMappings } from '../apply/id-map.js';
import type { Change, GraphDriver } from '../drivers/driver.js';
import { KeyedMutex } from '../drivers/driver.js';
import {
  fsyncDir,
  readJson,
  removeTempLeftovers,
  tmpName,
  writeFileAtomic,
  writeFileSynced,
} from '../drivers/fs-util.js';
import { OverlayDriver } from '../drivers/overlay.js';
import { VfsDriver } from '../drivers/vfs.js';
import { GraphDriverError } from '../errors.js';

type Digest = `sha256:${string}`;

/** A read-only layer: what a chain of diffs up to and including this one is. */
export interface Layer {
  /** OCI chain ID: names the layer together with everything below it. */
  chainId: Digest;
  /** Digest of the uncompressed tar. */
  diffId: Digest;
  parent: Digest | null;
  /** Size of the uncompressed tar. */
  size: number;
  /** Digest and size of the compressed blob it came from, when known. */
  compressedDigest?: string;
  compressedSize?: number;
  mediaType?: string;
  /** The driver's id for it. */
  cacheId: string;
  /** References held by callers (images); children and RW layers are counted apart. */
  references: number;
  createdAt: string;
}

/** A read-write (container) layer. */
export interface RwLayer {
  name: string;
  parent: Digest | null;
  cacheId: string;
  createdAt: string;
}

export interface RegisterOptions {
  /** Known diff ID: verified while applying, and lets a duplicate import skip the apply. */
  diffId?: string;
  compressedDigest?: string;
  compressedSize?: number;
  /** Layer media type (sets the compression). */
  mediaType?: string;
  signal?: AbortSignal;
  onProgress?: (event: ApplyProgress) => void;
}

export interface CommitResult {
  layer: Layer;
  /** The gzip layer blob, owned by the caller from now on (move it into a content store). */
  blob: { path: string; digest: Digest; size: number; mediaType: string; diffId: Digest };
}

export interface LayerStoreOptions {
  /** The store's directory (it owns everything below). */
  root: string;
  /** `overlay` (default), `vfs`, or a driver instance whose home is below `root`. */
  driver?: 'overlay' | 'vfs' | GraphDriver;
  idMappings?: IdMappings;
}

const hexOf = (d: string) => parseDigest(d).hex;

/**
 * Layers keyed by chain ID, on a graph driver. Imports are idempotent and safe to run at
 * once (the same layer imported twice concurrently ends as one copy with two references);
 * a layer becomes visible only when completely applied (driver dir first, metadata last,
 * each written to a temp name and renamed); `open` removes whatever an interrupted run left.
 * One process owns a store at a time.
 */
export class LayerStore {
  readonly root: string;
  readonly driver: GraphDriver;
  readonly #layers = new Map<string, Layer>();
  readonly #rw = new Map<string, RwLayer>();
  readonly #inflight = new Map<string, Promise<unknown>>();
  readonly #pins = new Map<string, number>();
  /** Read-only mounts made by `mount()`, per chain ID: a mounted layer is not collected. */
  readonly #mounts = new Map<string, number>();
  readonly #lock = new KeyedMutex();

  private constructor(root: string, driver: GraphDriver) {
    this.root = root;
    this.driver = driver;
  }

  static async open(options: LayerStoreOptions): Promise<LayerStore> {
    const root = options.root;
    for (const d of ['layers/sha256', 'mounts', 'tmp'])
      mkdirSync(join(root, d), { recursive: true, mode: 0o700 });
    const driver =
      typeof options.driver === 'object'
        ? options.driver
        : options.driver === 'vfs'
          ? await VfsDriver.open(join(root, 'vfs'), { idMappings: options.idMappings })
          : await OverlayDriver.open(join(root, 'overlay'), { idMappings: options.idMappings });
    const store = new LayerStore(root, driver);
    await store.#recover();
    return store;
  }

  /** Loads metadata; removes temp leftovers and driver layers no metadata names. */
  async #recover(): Promise<void> {
    const layersDir = join(this.root, 'layers/sha256');
    removeTempLeftovers(layersDir);
    removeTempLeftovers(join(this.root, 'mounts'));
    rmSync(join(this.root, 'tmp'), { recursive: true, force: true });
    mkdirSync(join(this.root, 'tmp'), { mode: 0o700 });
    for (const hex of readdirSync(layersDir)) {
      const p = join(layersDir, hex, 'layer.json');
      if (!existsSync(p)) {
        rmSync(join(layersDir, hex), { recursive: true, force: true });
        continue;
      }
      removeTempLeftovers(join(layersDir, hex));
      const l = readJson<Layer>(p);
      this.#layers.set(l.chainId, l);
    }
    for (const name of readdirSync(join(this.root, 'mounts'))) {
      const rw = readJson<RwLayer>(join(this.root, 'mounts', name));
      this.#rw.set(rw.name, rw);
    }
    const known = new Set([
      ...[...this.#layers.values()].map((l) => l.cacheId),
      ...[...this.#rw.values()].map((r) => r.cacheId),
    ]);
    // Children before parents: remove leftovers from the top of each chain down.
    let leftovers = this.driver.list().filter((id) => !known.has(id));
    for (let round = 0; leftovers.length > 0 && round < 1000; round++) {
      const next: string[] = [];
      for (const id of leftovers) {
        try {
          await this.driver.remove(id);
        } catch {
          next.push(id);
        }
      }
      if (next.length === leftovers.length) break;
      leftovers = next;
    }
    // Metadata whose driver layer is gone (cannot happen with metadata written last) is dropped.
    for (const l of [...this.#layers.values()]) {
      if (!(await this.driver.exists(l.cacheId))) {
        this.#layers.delete(l.chainId);
        rmSync(join(layersDir, hexOf(l.chainId)), { recursive: true, force: true });
      }
    }
    // Layers left without references (released while mounted, or a crash in the middle of a
    // release) are collected now.
    for (const l of [...this.#layers.values()]) {
      // A driver layer that cannot go now is a leftover the next open removes.
      if (l.references <= 0 && this.#layers.has(l.chainId)) await this.#gc(l.chainId).catch(() => undefined);
    }
  }

  get(chainId: string): Layer | undefined {
    const l = this.#layers.get(chainId);
    return l ? { ...l } : undefined;
  }

  list(): Layer[] {
    return [...this.#layers.values()].map((l) => ({ ...l }));
  }

  /** The layer whose blob had this compressed digest, if any. */
  byCompressedDigest(digest: string): Layer | undefined {
    for (const l of this.#layers.values()) if (l.compressedDigest === digest) return { ...l };
    return undefined;
  }

  /** Layer chain IDs from the bottom up to `chainId`. */
  chain(chainId: string): Layer[] {
    const out: Layer[] = [];
    for (let c: string | null = chainId; c !== null; ) {
      const l = this.#layers.get(c);
      if (!l) throw new GraphDriverError('ERR_LAYER_NOT_FOUND', `layer ${c} not found`, { path: c });
      out.unshift({ ...l });
      c = l.parent;
    }
    return out;
  }

  #metaDir = (chainId: string) => join(this.root, 'layers/sha256', hexOf(chainId));
  #chainOf = (parent: string | null, diffId: string): Digest =>
    (parent === null ? diffId : chainIds([parent, diffId])[1]!) as Digest;

  #mustGet(chainId: string): Layer {
    const l = this.#layers.get(chainId);
    if (!l)
      throw new GraphDriverError('ERR_LAYER_NOT_FOUND', `layer ${chainId} not found`, { path: chainId });
    return l;
  }

  #saveLayer(l: Layer): void {
    writeFileAtomic(join(this.#metaDir(l.chainId), 'layer.json'), JSON.stringify(l, null, 2));
  }

  #pin(chainId: string | null, delta: 1 | -1, counts = this.#pins): void {
    if (chainId === null) return;
    const n = (counts.get(chainId) ?? 0) + delta;
    if (n <= 0) counts.delete(chainId);
    else counts.set(chainId, n);
  }

  /**
   * Imports a layer tar (compressed or not) on top of `parent` and takes one reference to
   * it. If the layer is already there (same chain ID), only the reference is added and
   * the stream is not applied.
   */
  async register(stream: Readable, parent: string | null, options: RegisterOptions = {}): Promise<Layer> {
    if (parent !== null) this.#mustGet(parent);
    if (options.diffId) {
      const chainId = this.#chainOf(parent, options.diffId);
      // Two imports of the same chain ID at once: the second waits for the first.
      for (;;) {
        const pending = this.#inflight.get(chainId);
        if (pending) {
          await pending.catch(() => undefined);
          continue;
        }
        // Find and reference under the lock: a release() cannot delete it in between.
        const added = await this.#lock.run('meta', () => {
          const existing = this.#layers.get(chainId);
          return existing ? this.#addRefLocked(existing, options) : undefined;
        });
        if (added) {
          stream.destroy();
          return added;
        }
        // An import of it may have started while we waited for the lock.
        if (!this.#inflight.has(chainId)) break;
      }
      const work = this.#import(stream, parent, options);
      this.#inflight.set(chainId, work);
      try {
        return await work;
      } finally {
        this.#inflight.delete(chainId);
      }
    }
    return this.#import(stream, parent, options);
  }

  /** Adds a reference to a layer known to exist (called under the meta lock). */
  #addRefLocked(l: Layer, options: RegisterOptions): Layer {
    const next: Layer = { ...l, references: l.references + 1 };
    if (options.compressedDigest && !l.compressedDigest) {
      next.compressedDigest = options.compressedDigest;
      next.compressedSize = options.compressedSize;
      next.mediaType = options.mediaType;
    }
    this.#saveLayer(next);
    Object.assign(l, next);
    return { ...l };
  }

  async #import(stream: Readable, parent: string | null, options: RegisterOptions): Promise<Layer> {
    this.#pin(parent, 1);
    const cacheId = randomBytes(16).toString('hex');
    try {
      const parentCache = parent === null ? null : this.#mustGet(parent).cacheId;
      await this.driver.create(cacheId, parentCache);
      let applied: Awaited<ReturnType<GraphDriver['applyDiff']>>;
      try {
        applied = await this.driver.applyDiff(cacheId, parentCache, stream, {
          diffId: options.diffId,
          mediaType: options.mediaType,
          signal: options.signal,
          onProgress: options.onProgress,
        });
      } catch (err) {
        await this.driver.remove(cacheId).catch(() => undefined);
        throw err;
      }
      const chainId = this.#chainOf(parent, applied.diffId);
      return await this.#lock.run('meta', async () => {
        const existing = this.#layers.get(chainId);
        if (existing) {
          // Someone else imported the same layer meanwhile: keep theirs.
          await this.driver.remove(cacheId).catch(() => undefined);
          return this.#addRefLocked(existing, options);
        }
        const layer: Layer = {
          chainId,
          diffId: applied.diffId,
          parent: parent as Digest | null,
          size: applied.size,
          ...(options.compressedDigest ? { compressedDigest: options.compressedDigest } : {}),
          ...(options.compressedSize !== undefined ? { compressedSize: options.compressedSize } : {}),
          ...(options.mediaType ? { mediaType: options.mediaType } : {}),
          cacheId,
          references: 1,
          createdAt: new Date().toISOString(),
        };
        // Metadata last: a temp dir with layer.json (fsynced), renamed into place, the
        // parent fsynced. If that fails, the applied layer goes too: no orphan is left.
        const dir = this.#metaDir(chainId);
        const tmp = tmpName(dir);
        try {
          mkdirSync(tmp, { mode: 0o700 });
          writeFileSynced(join(tmp, 'layer.json'), JSON.stringify(layer, null, 2));
          fsyncDir(tmp);
          renameSync(tmp, dir);
        } catch (err) {
          rmSync(tmp, { recursive: true, force: true });
          await this.driver.remove(cacheId).catch(() => undefined);
          throw err;
        }
        fsyncDir(join(this.root, 'layers/sha256'));
        this.#layers.set(chainId, layer);
        return { ...layer };
      });
    } finally {
      this.#pin(parent, -1);
    }
  }

  /** Drops one reference; layers no longer used by anything are deleted. Returns what was deleted. */
  async release(chainId: string): Promise<Digest[]> {
    return this.#lock.run('meta', async () => {
      const l = this.#mustGet(chainId);
      if (l.references <= 0)
        throw new GraphDriverError('ERR_LAYER_INVALID', `layer ${chainId} has no references`);
      l.references--;
      this.#saveLayer(l);
      return this.#gc(chainId);
    });
  }

  /** Deletes unused layers from `start` down its chain (called under the meta lock). */
  async #gc(start: string | null): Promise<Digest[]> {
    const removed: Digest[] = [];
    for (let c = start; c !== null; ) {
      const l = this.#layers.get(c);
      if (!l || l.references > 0 || this.#pins.has(c) || this.#mounts.has(c)) break;
      const used =
        [...this.#layers.values()].some((o) => o.parent === c) ||
        [...this.#rw.values()].some((r) => r.parent === c);
      if (used) break;
      // Metadata first: a crash after this leaves only a driver layer, which open() removes.
      const gone = tmpName(this.#metaDir(c));
      renameSync(this.#metaDir(c), gone);
      this.#layers.delete(c);
      rmSync(gone, { recursive: true, force: true });
      await this.driver.remove(l.cacheId);
      removed.push(l.chainId);
      c = l.parent;
    }
    return removed;
  }

  /** Creates a container's read-write layer on top of `parent` (null: empty). */
  async createRw(name: string, parent: string | null): Promise<RwLayer> {
    return this.#lock.run('meta', async () => {
      if (this.#rw.has(name))
        throw new GraphDriverError('ERR_LAYER_EXISTS', `rw layer ${name} exists`, { path: name });
      const parentCache = parent === null ? null : this.#mustGet(parent).cacheId;
      const cacheId = randomBytes(16).toString('hex');
      await this.driver.createReadWrite(cacheId, parentCache);
      const rw: RwLayer = {
        name,
        parent: parent as Digest | null,
        cacheId,
        createdAt: new Date().toISOString(),
      };
      writeFileAtomic(join(this.root, 'mounts', `${rwFile(name)}`), JSON.stringify(rw));
      this.#rw.set(name, rw);
      return { ...rw };
    });
  }

  getRw(name: string): RwLayer | undefined {
    const r = this.#rw.get(name);
    return r ? { ...r } : undefined;
  }

  #mustRw(name: string): RwLayer {
    const r = this.#rw.get(name);
    if (!r) throw new GraphDriverError('ERR_LAYER_NOT_FOUND', `rw layer ${name} not found`, { path: name });
    return r;
  }

  /** Mounts the RW layer (counted) and returns the rootfs path. */
  mountRw(name: string): Promise<string> {
    return this.driver.get(this.#mustRw(name).cacheId);
  }

  unmountRw(name: string): Promise<void> {
    return this.driver.put(this.#mustRw(name).cacheId);
  }

  async changesRw(name: string): Promise<Change[]> {
    return this.driver.changes(this.#mustRw(name).cacheId);
  }

  /** Bytes the RW layer adds or changes over its parent (Docker's SizeRw). */
  async sizeRw(name: string): Promise<number> {
    return this.driver.diffSize(this.#mustRw(name).cacheId);
  }

  /** Deletes a RW layer (ERR_LAYER_IN_USE while mounted) and then unused layers below. */
  async removeRw(name: string): Promise<Digest[]> {
    return this.#lock.run('meta', async () => {
      const rw = this.#mustRw(name);
      await this.driver.remove(rw.cacheId);
      rmSync(join(this.root, 'mounts', rwFile(name)), { force: true });
      this.#rw.delete(name);
      return this.#gc(rw.parent);
    });
  }

  /**
   * Commits a RW layer: its diff becomes a tar+gzip blob (diff ID and compressed digest
   * computed in the same pass) and a new layer on top of the RW layer's parent, with one
   * reference. The RW layer stays as it is.
   */
  async commit(name: string, options: { signal?: AbortSignal } = {}): Promise<CommitResult> {
    const rw = this.#mustRw(name);
    this.#pin(rw.parent, 1);
    const tmp = join(this.root, 'tmp', `commit-${randomBytes(8).toString('hex')}.tar.gz`);
    try {
      const diffIdCalc = new DigestCalculator('sha256');
      const blobCalc = new DigestCalculator('sha256');
      await pipeline(
        this.driver.diff(rw.cacheId),
        diffIdCalc,
        createGzip(),
        blobCalc,
        createWriteStream(tmp),
        {
          signal: options.signal,
        },
      );
      const diffId = diffIdCalc.digest as Digest;
      const digest = blobCalc.digest as Digest;
      const layer = await this.register(createReadStream(tmp), rw.parent, {
        diffId,
        compressedDigest: digest,
        compressedSize: blobCalc.bytes,
        mediaType: MediaType.LayerGzip,
        signal: options.signal,
      });
      return {
        layer,
        blob: { path: tmp, digest, size: blobCalc.bytes, mediaType: MediaType.LayerGzip, diffId },
      };
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    } finally {
      this.#pin(rw.parent, -1);
    }
  }

  /**
   * Mounts a read-only view of a layer (counted). While mounted the layer is not collected:
   * a `release` of its last reference leaves it in place and the last `unmount` deletes it.
   */
  async mount(chainId: string): Promise<string> {
    const l = this.#mustGet(chainId);
    // Counted before the first await: a GC running under the lock sees it from now on.
    this.#pin(chainId, 1, this.#mounts);
    try {
      return await this.driver.get(l.cacheId);
    } catch (err) {
      await this.#unpinMount(chainId);
      throw err;
    }
  }

  /** Drops one `mount`; the layer is deleted if nothing else uses it any more. */
  async unmount(chainId: string): Promise<void> {
    const l = this.#mustGet(chainId);
    if (!this.#mounts.has(chainId))
      throw new GraphDriverError('ERR_LAYER_INVALID', `layer ${chainId} is not mounted`, { path: chainId });
    await this.driver.put(l.cacheId);
    await this.#unpinMount(chainId);
  }

  async #unpinMount(chainId: string): Promise<void> {
    this.#pin(chainId, -1, this.#mounts);
    if (!this.#mounts.has(chainId)) await this.#lock.run('meta', () => this.#gc(chainId));
  }

  /** Unmounts everything (at shutdown). Layers released while mounted are deleted by the next `open`. */
  async close(): Promise<void> {
    await this.driver.cleanup();
    this.#mounts.clear();
  }
}

const rwFile = (name: string) => {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(name)) {
    throw new GraphDriverError('ERR_LAYER_INVALID', `invalid rw layer name ${JSON.stringify(name)}`);
  }
  return `${name}.json`;
};
