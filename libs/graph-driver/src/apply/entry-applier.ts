import { closeSync, fchmodSync, fchownSync, futimesSync, readSync, writeSync } from 'node:fs';
import { SafeRoot } from '@berth/libcontainer';
import { errnoOf, GraphDriverError, isGraphDriverError } from '../errors.js';
import { parsePaxTime, RAW_XATTRS } from '../tar/pax.js';
import type { TarEntrySink, TarHeader } from '../tar/tar-reader.js';
import { toApplyError } from './apply-error.js';
import type { ApplyLayerOptions } from './apply-layer.js';
import { toHostId } from './id-map.js';
import { lookupInLayers, OPAQUE_XATTR } from './lower-lookup.js';
import { cleanEntryPath, joinRel, parentOf } from './paths.js';
import { isDirMode, isRegMode, lstatOrUndefined, readdirIn, removeAllIn } from './safe-fs.js';

const NS = 1_000_000_000n;
const WH_PREFIX = '.wh.';
const WH_OPAQUE = '.wh..wh..opq';

const isFileType = (type: string | null | undefined) =>
  type === undefined || type === null || type === 'file' || type === 'contiguous-file';

interface Meta {
  path: string;
  mode: number;
  uid: number;
  gid: number;
  mtimeNs: bigint;
  atimeNs: bigint;
  xattrs: Map<string, Buffer> | undefined;
}

/**
 * Applies tar entries as a TarReader hands them over, synchronously: file operations go
 * through the SafeRoot (its parent cache saves a path walk per entry), small files take one
 * native call each.
 */
export class EntryApplier implements TarEntrySink {
  entries = 0;
  readonly #r: SafeRoot;
  readonly #opts: ApplyLayerOptions;
  readonly #overlay: boolean;
  readonly #lower: readonly string[];
  /** Paths known to be real directories in this tree. */
  readonly #dirs = new Set<string>(['']);
  /** vfs: paths this layer created (an opaque marker keeps them). */
  readonly #created = new Set<string>();
  /** vfs: the parent last added to #created (with all its own parents): most entries share it. */
  #createdParent = '';
  readonly #dirTimes: Meta[] = [];
  /** The big file being streamed, if any. */
  #open: { fd: number; meta: Meta; header: TarHeader } | undefined;

  constructor(root: SafeRoot, opts: ApplyLayerOptions) {
    this.#r = root;
    this.#opts = opts;
    this.#overlay = opts.whiteouts === 'overlay';
    this.#lower = opts.lowerDirs ?? [];
  }

  /** An entry with all its data (see TarEntrySink). */
  whole(h: TarHeader, parts: Buffer[]): void {
    // No closure per entry (#guard): this runs for every one of a layer's many small files.
    try {
      const meta = this.#start(h);
      if (meta) this.#apply(meta, h, parts);
    } catch (err) {
      throw named(h, err);
    }
  }

  /** A big entry: a regular file gets its data streamed into an open fd. */
  begin(h: TarHeader): void {
    this.#guard(h, () => {
      const meta = this.#start(h);
      if (!meta) return;
      if (isFileType(h.type)) {
        const fd = this.#make(meta.path, () => this.#r.openFile(meta.path, 'wx', 0o600));
        this.#open = { fd, meta, header: h };
        this.#markCreated(meta.path);
      } else this.#apply(meta, h, []);
    });
  }

  data(chunk: Buffer): void {
    const open = this.#open;
    if (!open) return; // data of an entry that has none on disk (whiteouts, links, …)
    this.#guard(open.header, () => {
      for (let off = 0; off < chunk.length; ) off += writeSync(open.fd, chunk, off);
    });
  }

  end(): void {
    const open = this.#open;
    if (!open) return;
    this.#open = undefined;
    this.#guard(open.header, () => {
      try {
        this.#attrs(open.meta, open.fd);
        this.#times(open.meta, open.fd);
      } finally {
        closeSync(open.fd);
      }
    });
  }

  /** Closes a file left open by a failed apply. */
  abort(): void {
    if (this.#open) closeSync(this.#open.fd);
    this.#open = undefined;
  }

  /**
   * Counts the entry and handles what needs no data: the root, whiteouts. Returns the
   * entry's metadata when it still has to be applied.
   */
  #start(h: TarHeader): Meta | undefined {
    this.entries++;
    const path = cleanEntryPath(h.name);
    if (path === '' || h.type === 'pax-global-header') return undefined;
    // Checked in place: slicing out the base name of every entry costs a string each.
    const slash = path.lastIndexOf('/');
    if (path.startsWith(WH_PREFIX, slash + 1)) {
      this.#whiteout(path, path.slice(slash + 1));
      return undefined;
    }
    return this.#meta(path, h);
  }

  #apply(meta: Meta, h: TarHeader, parts: Buffer[]): void {
    const type = h.type ?? 'file';
    switch (type) {
      case 'file':
      case 'contiguous-file':
        this.#file(meta, parts);
        break;
      case 'directory':
        this.#dir(meta);
        break;
      case 'symlink':
        this.#symlink(meta, h.linkname ?? '');
        break;
      case 'link':
        this.#hardlink(meta, h.linkname ?? '');
        break;
      case 'character-device':
      case 'block-device':
      case 'fifo':
        this.#node(meta, type, h.devmajor ?? 0, h.devminor ?? 0);
        break;
      default:
        throw new GraphDriverError('ERR_LAYER_INVALID', `unsupported tar entry type ${type}`, {
          path: meta.path,
        });
    }
    this.#markCreated(meta.path);
  }

  /** vfs: remembers what this layer made, which an opaque marker of its own keeps. */
  #markCreated(path: string): void {
    if (this.#overlay) return;
    const created = this.#created;
    created.add(path);
    const parent = parentOf(path);
    if (parent === this.#createdParent) return;
    this.#createdParent = parent;
    for (let p = parent; p !== '' && !created.has(p); p = parentOf(p)) created.add(p);
  }

  /** Runs `fn` for entry `h`; errors name the entry. */
  #guard(h: TarHeader, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      throw named(h, err);
    }
  }

  /** Directory times last, deepest first, so creating children does not change them again. */
  finish(): void {
    const dirs = this.#dirTimes.sort((a, b) => depth(b.path) - depth(a.path));
    for (const d of dirs) {
      if (lstatOrUndefined(this.#r, d.path)) this.#r.lutimes(d.path, d.atimeNs, d.mtimeNs);
    }
  }

  #meta(path: string, h: TarHeader): Meta {
    const pax = h.pax ?? undefined;
    const mtimeNs = parsePaxTime(pax?.mtime) ?? BigInt(Math.floor(h.mtime ?? 0)) * NS;
    const uid = pax?.uid !== undefined ? Number.parseInt(pax.uid, 10) : (h.uid ?? 0);
    const gid = pax?.gid !== undefined ? Number.parseInt(pax.gid, 10) : (h.gid ?? 0);
    const ids = this.#opts.idMappings;
    let xattrs: Map<string, Buffer> | undefined;
    const raw = pax?.[RAW_XATTRS];
    if (raw) {
      for (const [k, v] of raw) {
        // Overlay's own attributes (opaque, redirect, origin, metacopy) are never taken from a layer.
        if (k.startsWith('trusted.overlay.')) continue;
        xattrs ??= new Map();
        xattrs.set(k, v);
      }
    }
    return {
      path,
      mode: (h.mode ?? 0o644) & 0o7777,
      uid: toHostId(uid, ids?.uidMappings, 'uid'),
      gid: toHostId(gid, ids?.gidMappings, 'gid'),
      mtimeNs,
      atimeNs: parsePaxTime(pax?.atime) ?? mtimeNs,
      xattrs,
    };
  }

  /** Makes sure the parent directory of `path` exists, creating missing ones. */
  #ensureParent(path: string): void {
    const parent = parentOf(path);
    if (this.#dirs.has(parent)) return;
    const st = lstatOrUndefined(this.#r, parent);
    if (st) {
      if (isDirMode(st.mode)) this.#dirs.add(parent);
      // A symlink is resolved inside the root by every later call.
      return;
    }
    this.#ensureParent(parent);
    // Implicit parents get the attributes they have below (overlay) or 0755 root.
    const below = this.#overlay ? lookupInLayers(this.#lower, parent) : undefined;
    const mode = below?.stat.isDirectory() ? Number(below.stat.mode) & 0o7777 : 0o755;
    this.#r.mkdir(parent, 0o700);
    if (below?.stat.isDirectory()) {
      this.#r.lchown(parent, Number(below.stat.uid), Number(below.stat.gid));
      this.#r.lutimes(parent, below.stat.atimeNs, below.stat.mtimeNs);
    }
    this.#r.chmod(parent, mode);
    this.#dirs.add(parent);
  }

  /**
   * Creates an entry with `make`; when something is already in its place (EEXIST), clears
   * the place and tries once more. Trying first saves an lstat per entry.
   */
  #make<T>(path: string, make: () => T): T {
    this.#ensureParent(path);
    try {
      return make();
    } catch (err) {
      if (errnoOf(err) !== 'EEXIST') throw err;
    }
    this.#prepare(path, false);
    return make();
  }

  /** Clears the place for a new entry; true when a directory is there and `keepDir`. */
  #prepare(path: string, keepDir: boolean): boolean {
    this.#ensureParent(path);
    const st = lstatOrUndefined(this.#r, path);
    if (!st) return false;
    if (isDirMode(st.mode)) {
      if (keepDir) return true;
      this.#removeAll(path);
    } else this.#r.unlink(path);
    return false;
  }

  #removeAll(path: string): void {
    removeAllIn(this.#r, path);
    for (const d of this.#dirs) if (d === path || d.startsWith(`${path}/`)) this.#dirs.delete(d);
  }

  #attrs(m: Meta, fd?: number): void {
    // chown first: it clears setuid/setgid and security.capability.
    if (fd !== undefined) {
      fchownSync(fd, m.uid, m.gid);
      fchmodSync(fd, m.mode);
    } else {
      this.#r.lchown(m.path, m.uid, m.gid);
      this.#r.chmod(m.path, m.mode);
    }
    this.#xattrs(m);
  }

  #xattrs(m: Meta): void {
    if (m.xattrs === undefined) return;
    for (const [k, v] of m.xattrs) {
      try {
        this.#r.lsetxattr(m.path, k, v);
      } catch (err) {
        // Filesystems without user xattrs (or a SELinux label on a host without SELinux).
        if (errnoOf(err) === 'EOPNOTSUPP' && !k.startsWith('security.capability')) continue;
        throw err;
      }
    }
  }

  #times(m: Meta, fd?: number): void {
    if (fd !== undefined && m.mtimeNs % NS === 0n && m.atimeNs % NS === 0n) {
      futimesSync(fd, Number(m.atimeNs / NS), Number(m.mtimeNs / NS));
    } else this.#r.lutimes(m.path, m.atimeNs, m.mtimeNs);
  }

  /** A whole regular file: created, written and given owner, mode and times in one call. */
  #file(m: Meta, parts: Buffer[]): void {
    // One part (the usual case) goes as it is: no array for createFile to map over.
    const data = parts.length === 1 ? parts[0]! : parts;
    this.#make(m.path, () =>
      this.#r.createFile(m.path, data, {
        mode: m.mode,
        uid: m.uid,
        gid: m.gid,
        atime: m.atimeNs,
        mtime: m.mtimeNs,
      }),
    );
    this.#xattrs(m);
  }

  #dir(m: Meta): void {
    this.#ensureParent(m.path);
    try {
      this.#r.mkdir(m.path, 0o700);
    } catch (err) {
      if (errnoOf(err) !== 'EEXIST') throw err;
      if (!this.#prepare(m.path, true)) this.#r.mkdir(m.path, 0o700);
    }
    this.#dirs.add(m.path);
    this.#attrs(m);
    this.#dirTimes.push(m);
  }

  #symlink(m: Meta, target: string): void {
    if (target.includes('\0')) {
      throw new GraphDriverError('ERR_LAYER_INVALID', 'symlink target contains a NUL byte', { path: m.path });
    }
    this.#make(m.path, () => this.#r.symlink(target, m.path));
    this.#r.lchown(m.path, m.uid, m.gid);
    this.#xattrs(m);
    this.#r.lutimes(m.path, m.atimeNs, m.mtimeNs);
  }

  #hardlink(m: Meta, linkname: string): void {
    const target = cleanEntryPath(linkname, 'hardlink target');
    if (target === '' || target === m.path) {
      if (target === m.path) return;
      throw new GraphDriverError('ERR_LAYER_INVALID', 'hardlink to the layer root', { path: m.path });
    }
    let st = lstatOrUndefined(this.#r, target);
    if (!st && this.#overlay) st = this.#copyUp(target);
    if (!st) {
      throw new GraphDriverError(
        'ERR_LAYER_INVALID',
        `hardlink ${m.path} -> ${target}: the target is not in this layer or below`,
        { path: m.path },
      );
    }
    if (isDirMode(st.mode)) {
      throw new GraphDriverError(
        'ERR_LAYER_INVALID',
        `hardlink ${m.path} -> ${target}: target is a directory`,
        {
          path: m.path,
        },
      );
    }
    this.#make(m.path, () => this.#r.link(target, m.path));
  }

  /** Copies a regular file (or symlink) from the layers below into this one (overlay copy-up). */
  #copyUp(path: string) {
    const hit = lookupInLayers(this.#lower, path);
    if (!hit) return undefined;
    const st = hit.stat;
    const lower = SafeRoot.open(hit.layer);
    try {
      this.#ensureParent(path);
      if (st.isSymbolicLink()) {
        this.#r.symlink(lower.readlink(path), path);
      } else if (isRegMode(Number(st.mode))) {
        const src = lower.openFile(path, 'r');
        try {
          const dst = this.#r.openFile(path, 'wx', 0o600);
          try {
            const buf = Buffer.allocUnsafe(1 << 20);
            for (let n = readSync(src, buf); n > 0; n = readSync(src, buf)) {
              for (let off = 0; off < n; ) off += writeSync(dst, buf, off, n - off);
            }
          } finally {
            closeSync(dst);
          }
        } finally {
          closeSync(src);
        }
      } else return undefined;
      this.#r.lchown(path, Number(st.uid), Number(st.gid));
      if (!st.isSymbolicLink()) this.#r.chmod(path, Number(st.mode) & 0o7777);
      for (const name of lower.llistxattr(path)) {
        if (name.startsWith('trusted.overlay.')) continue;
        const v = lower.lgetxattr(path, name);
        if (v) this.#r.lsetxattr(path, name, v);
      }
      this.#r.lutimes(path, st.atimeNs, st.mtimeNs);
      return this.#r.lstat(path);
    } finally {
      lower.close();
    }
  }

  #node(m: Meta, type: 'character-device' | 'block-device' | 'fifo', major: number, minor: number): void {
    const t = type === 'character-device' ? 'char' : type === 'block-device' ? 'block' : 'fifo';
    this.#make(m.path, () => this.#r.mknod(m.path, t, 0o600, major, minor));
    this.#attrs(m);
    this.#r.lutimes(m.path, m.atimeNs, m.mtimeNs);
  }

  #whiteout(path: string, base: string): void {
    const dir = parentOf(path);
    if (base === WH_OPAQUE) {
      if (this.#overlay) {
        this.#ensureParent(path);
        const st = lstatOrUndefined(this.#r, dir);
        if (dir !== '' && !st) this.#r.mkdir(dir, 0o755);
        if (dir === '') return; // an opaque root has no meaning for a layer
        this.#r.lsetxattr(dir, OPAQUE_XATTR, 'y');
        return;
      }
      const st = lstatOrUndefined(this.#r, dir);
      if (!st || !isDirMode(st.mode)) return;
      for (const name of readdirIn(this.#r, dir)) {
        const child = joinRel(dir, name);
        if (!this.#created.has(child)) this.#removeAll(child);
      }
      return;
    }
    if (base.startsWith(`${WH_PREFIX}${WH_PREFIX}`)) return; // aufs metadata (.wh..wh.plnk …)
    const victim = joinRel(dir, base.slice(WH_PREFIX.length));
    if (this.#overlay) {
      this.#make(victim, () => this.#r.mkwhiteout(victim));
      return;
    }
    this.#removeAll(victim);
  }
}

const depth = (p: string) => p.split('/').length;

/** An entry's failure as a GraphDriverError that names the entry. */
function named(h: TarHeader, err: unknown): GraphDriverError {
  if (isGraphDriverError(err)) return err;
  const e = toApplyError(err);
  return new GraphDriverError(e.code, `tar entry ${JSON.stringify(h.name)}: ${(err as Error).message}`, {
    path: h.name,
    cause: err,
  });
}
