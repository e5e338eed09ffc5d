import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { mountOverlay, umount } from '@berth/libcontainer';
import { type ApplyLayerResult, applyLayer } from '../apply/apply-layer.js';
import { isOpaqueDir, isWhiteoutStat, lookupInLayers } from '../apply/lower-lookup.js';
import { type Change, EntryFactory, lstatBig, sameMeta, sortedNames } from '../diff/entries.js';
import { type DiffItem, diffBytes, diffEntries } from '../diff/tree-diff.js';
import { GraphDriverError } from '../errors.js';
import { tarBytes } from '../tar/writer.js';
import {
  type ApplyDiffOptions,
  checkId,
  type DriverOptions,
  type GraphDriver,
  KeyedMutex,
  notFound,
} from './driver.js';
import { readJson, removeTempLeftovers, tmpName } from './fs-util.js';
import { mountsUnder, unmountAllUnder } from './mounts.js';

interface OverlayMeta {
  parent: string | null;
  rw: boolean;
  /** Short name under `l/` (a symlink to `../<id>/diff`). */
  link: string;
}

/** Mount options: no inodes index, no redirects, no metacopy: upper dirs stay plain OCI-like diffs. */
const OVERLAY_OPTIONS = ['index=off', 'redirect_dir=off', 'metacopy=off'];
const LINK_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function shortName(): string {
  const bytes = randomBytes(26);
  let s = '';
  for (const b of bytes) s += LINK_ALPHABET[b & 31];
  return s;
}

/**
 * overlay: each layer stores only its own changes (`<home>/<id>/diff`, whiteouts as
 * char 0:0 devices and opaque dirs as `trusted.overlay.opaque=y`); `get` mounts the chain
 * as an overlayfs. Lower layers are named by short links (`<home>/l/<26 chars>`, as
 * overlay2 does) and mounted with the new mount API past a page of options, so images with
 * hundreds of layers mount.
 */
export class OverlayDriver implements GraphDriver {
  readonly name = 'overlay' as const;
  readonly home: string;
  readonly #opts: DriverOptions;
  readonly #refs = new Map<string, number>();
  readonly #lock = new KeyedMutex();

  private constructor(home: string, opts: DriverOptions) {
    this.home = home;
    this.#opts = opts;
  }

  /**
   * Opens (creating) the driver's home: unmounts what a previous process left mounted
   * there, removes leftovers of interrupted work and dangling links.
   */
  static async open(home: string, options: DriverOptions = {}): Promise<OverlayDriver> {
    mkdirSync(join(home, 'l'), { recursive: true, mode: 0o700 });
    mkdirSync(join(home, 'empty'), { recursive: true, mode: 0o755 });
    unmountAllUnder(home);
    removeTempLeftovers(home);
    const d = new OverlayDriver(home, options);
    const links = new Map<string, string>();
    for (const id of d.list()) {
      removeTempLeftovers(join(home, id));
      try {
        links.set(d.#meta(id).link, id);
      } catch {
        // not a layer
      }
    }
    // Links no layer names, or that point nowhere, go; a layer whose link is missing (a crash
    // between creating its directory and its link) gets it back.
    for (const l of readdirSync(join(home, 'l'))) {
      const id = links.get(l);
      const p = join(home, 'l', l);
      if (id === undefined || !isLinkTo(p, `../${id}/diff`) || !existsSync(p)) unlinkSync(p);
    }
    for (const [l, id] of links) {
      if (!isLinkTo(join(home, 'l', l), `../${id}/diff`)) symlinkSync(`../${id}/diff`, join(home, 'l', l));
    }
    return d;
  }

  #dir = (id: string) => {
    if (id === 'l' || id === 'empty') {
      throw new GraphDriverError('ERR_LAYER_INVALID', `layer id ${id} is reserved by the overlay driver`);
    }
    return join(this.home, checkId(id));
  };
  #diff = (id: string) => join(this.#dir(id), 'diff');

  #meta(id: string): OverlayMeta {
    const p = join(this.#dir(id), 'meta.json');
    if (!existsSync(p)) throw notFound(id);
    return readJson<OverlayMeta>(p);
  }

  /** Short-link paths of the layer's ancestors, nearest first. */
  #lowers(parent: string | null): string[] {
    const out: string[] = [];
    for (let p = parent; p !== null; ) {
      const m = this.#meta(p);
      out.push(join(this.home, 'l', m.link));
      p = m.parent;
      if (out.length > 4096)
        throw new GraphDriverError('ERR_LAYER_INVALID', `layer chain of ${parent} loops`);
    }
    return out;
  }

  async create(id: string, parent?: string | null): Promise<void> {
    this.#create(id, parent ?? null, false);
  }

  async createReadWrite(id: string, parent?: string | null): Promise<void> {
    this.#create(id, parent ?? null, true);
  }

  #create(id: string, parent: string | null, rw: boolean): void {
    const dir = this.#dir(id);
    if (parent !== null) this.#meta(parent);
    if (existsSync(dir))
      throw new GraphDriverError('ERR_LAYER_EXISTS', `layer ${id} already exists`, { path: id });
    const tmp = tmpName(dir);
    const link = shortName();
    mkdirSync(tmp, { mode: 0o700 });
    for (const sub of ['diff', 'work', 'merged']) mkdirSync(join(tmp, sub), { mode: 0o755 });
    writeFileSync(join(tmp, 'meta.json'), JSON.stringify({ parent, rw, link } satisfies OverlayMeta));
    try {
      renameSync(tmp, dir);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw new GraphDriverError('ERR_LAYER_EXISTS', `layer ${id} already exists`, { path: id, cause: err });
    }
    // The short link only once its target is there (open() restores it after a crash here).
    try {
      symlinkSync(`../${id}/diff`, join(this.home, 'l', link));
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  async remove(id: string): Promise<void> {
    const meta = this.#meta(id);
    await this.#lock.run(id, () => {
      if ((this.#refs.get(id) ?? 0) > 0 || mountsUnder(this.#dir(id)).length > 0) {
        throw new GraphDriverError('ERR_LAYER_IN_USE', `layer ${id} is mounted`, { path: id });
      }
      const gone = tmpName(this.#dir(id));
      renameSync(this.#dir(id), gone);
      try {
        unlinkSync(join(this.home, 'l', meta.link));
      } catch {
        // already gone
      }
      rmSync(gone, { recursive: true, force: true });
    });
  }

  async get(id: string): Promise<string> {
    return this.#lock.run(id, () => {
      const meta = this.#meta(id);
      const merged = join(this.#dir(id), 'merged');
      const n = this.#refs.get(id) ?? 0;
      if (n === 0) {
        const lowers = this.#lowers(meta.parent);
        if (meta.rw) {
          mountOverlay({
            lower: lowers.length > 0 ? lowers : [join(this.home, 'empty')],
            upper: this.#diff(id),
            work: join(this.#dir(id), 'work'),
            target: merged,
            options: OVERLAY_OPTIONS,
          });
        } else {
          // A read-only overlay needs two lower layers; the empty dir makes up the second.
          const all = [join(this.home, 'l', meta.link), ...lowers];
          if (all.length < 2) all.push(join(this.home, 'empty'));
          mountOverlay({ lower: all, target: merged, flags: ['ro'], options: OVERLAY_OPTIONS });
        }
      }
      this.#refs.set(id, n + 1);
      return merged;
    });
  }

  async put(id: string): Promise<void> {
    await this.#lock.run(id, () => {
      const n = this.#refs.get(id) ?? 0;
      if (n <= 0) throw new GraphDriverError('ERR_LAYER_INVALID', `layer ${id} is not mounted`, { path: id });
      if (n === 1) {
        umount(join(this.#dir(id), 'merged'), { noFollow: true });
        this.#refs.delete(id);
      } else this.#refs.set(id, n - 1);
    });
  }

  async exists(id: string): Promise<boolean> {
    return existsSync(join(this.#dir(id), 'meta.json'));
  }

  #checkParent(id: string, parent: string | null | undefined): OverlayMeta {
    const meta = this.#meta(id);
    if (parent !== undefined && parent !== meta.parent) {
      throw new GraphDriverError(
        'ERR_DRIVER_UNSUPPORTED',
        `overlay diffs a layer against its own parent (${meta.parent}), not ${parent}`,
      );
    }
    return meta;
  }

  /** Walks the upper dir: its entries, whiteouts and opaque dirs, in tar order. */
  *#walk(upper: string, lowers: readonly string[], rel = ''): Generator<DiffItem> {
    const dir = rel === '' ? upper : join(upper, rel);
    for (const name of sortedNames(dir)) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const hostPath = join(dir, name);
      const st = lstatBig(hostPath);
      if (!st) continue;
      if (isWhiteoutStat(st)) {
        yield { kind: 'deleted', rel: r };
        continue;
      }
      const below = lookupInLayers(lowers, r);
      if (st.isDirectory()) {
        const opaque = isOpaqueDir(hostPath);
        const same = below?.stat.isDirectory() && sameMeta(st, below.stat, hostPath, below.hostPath);
        if (!same || opaque) yield { kind: below ? 'modified' : 'added', rel: r, hostPath, stat: st };
        if (opaque) yield { kind: 'opaque', rel: r };
        yield* this.#walk(upper, opaque ? [] : lowers, r);
        continue;
      }
      yield { kind: below ? 'modified' : 'added', rel: r, hostPath, stat: st };
    }
  }

  diff(id: string, parent?: string | null): Readable {
    const factory = new EntryFactory(this.#opts.idMappings);
    const self = this;
    return Readable.from(
      (async function* () {
        const meta = self.#checkParent(id, parent);
        yield* tarBytes(diffEntries(self.#walk(self.#diff(id), self.#lowers(meta.parent)), factory));
      })(),
      { objectMode: false },
    );
  }

  async changes(id: string, parent?: string | null): Promise<Change[]> {
    const meta = this.#checkParent(id, parent);
    const upper = this.#diff(id);
    const lowers = this.#lowers(meta.parent);
    const out: Change[] = [];
    for (const it of this.#walk(upper, lowers)) {
      if (it.kind !== 'opaque') {
        out.push({ path: `/${it.rel}`, kind: it.kind });
        continue;
      }
      // An opaque dir deletes what the layers below had in it.
      const kept = new Set(sortedNames(join(upper, it.rel)));
      for (const name of namesBelow(lowers, it.rel)) {
        if (!kept.has(name)) out.push({ path: `/${it.rel}/${name}`, kind: 'deleted' });
      }
    }
    return out.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  }

  async diffSize(id: string, parent?: string | null): Promise<number> {
    const meta = this.#checkParent(id, parent);
    return diffBytes(this.#walk(this.#diff(id), this.#lowers(meta.parent)));
  }

  async applyDiff(
    id: string,
    parent: string | null | undefined,
    diff: Readable | AsyncIterable<Uint8Array>,
    options: ApplyDiffOptions = {},
  ): Promise<ApplyLayerResult> {
    const meta = this.#checkParent(id, parent);
    return this.#lock.run(id, async () => {
      const target = this.#diff(id);
      if ((this.#refs.get(id) ?? 0) > 0) {
        throw new GraphDriverError('ERR_LAYER_IN_USE', `layer ${id} is mounted`, { path: id });
      }
      if (readdirSync(target).length > 0) {
        throw new GraphDriverError('ERR_LAYER_EXISTS', `layer ${id} already has content`, { path: id });
      }
      const applied = join(this.#dir(id), 'applied');
      const result = await applyLayer(diff, applied, {
        ...options,
        whiteouts: 'overlay',
        lowerDirs: this.#lowers(meta.parent),
        idMappings: this.#opts.idMappings,
      });
      // rename(2) replaces the empty diff dir in one step.
      renameSync(applied, target);
      return result;
    });
  }

  async status(): Promise<Record<string, string>> {
    return {
      Driver: 'overlay',
      'Root Dir': this.home,
      Layers: String(this.list().length),
      Mounted: String(this.#refs.size),
    };
  }

  async cleanup(): Promise<void> {
    for (const id of [...this.#refs.keys()]) {
      try {
        umount(join(this.#dir(id), 'merged'), { detach: true, noFollow: true });
      } catch {
        // already unmounted
      }
    }
    this.#refs.clear();
    unmountAllUnder(this.home);
  }

  /** Ids of the layers present. */
  list(): string[] {
    return readdirSync(this.home).filter(
      (n) =>
        n !== 'l' &&
        n !== 'empty' &&
        !n.includes('.berth-tmp-') &&
        existsSync(join(this.home, n, 'meta.json')),
    );
  }

  /** The layer's own directory in overlay form (for tests and tools). */
  diffDir(id: string): string {
    this.#meta(id);
    return this.#diff(id);
  }
}

/** True when `p` is a symlink whose text is `target`. */
function isLinkTo(p: string, target: string): boolean {
  try {
    return readlinkSync(p) === target;
  } catch {
    return false;
  }
}

/** Names a merged view of the lower layers shows in `rel` (whiteouts and opaque dirs applied). */
function namesBelow(lowers: readonly string[], rel: string): string[] {
  const seen = new Set<string>();
  const present: string[] = [];
  for (const layer of lowers) {
    const p = join(layer, rel);
    const st = lstatBig(p);
    if (!st) continue;
    if (!st.isDirectory()) break;
    for (const name of sortedNames(p)) {
      if (seen.has(name)) continue;
      seen.add(name);
      const cs = lstatBig(join(p, name));
      if (cs && !isWhiteoutStat(cs)) present.push(name);
    }
    if (isOpaqueDir(p)) break;
  }
  return present;
}
