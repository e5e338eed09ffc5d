import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fchmodSync,
  fchownSync,
  futimesSync,
  mkdirSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  createDigestVerifier,
  DigestCalculator,
  type DigestVerifier,
  isImageSpecError,
  layerMediaTypeInfo,
} from '@berth/image-spec';
import { isLibcontainerError, SafeRoot } from '@berth/libcontainer';
import tar from 'tar-stream';
import { type Compression, createDecompressor } from '../compress/decompress.js';
import { errnoOf, GraphDriverError, isGraphDriverError } from '../errors.js';
import { installPaxXattrDecoder, type PaxWithXattrs, parsePaxTime, RAW_XATTRS } from '../tar/pax.js';
import { type IdMappings, toHostId } from './id-map.js';
import { lookupInLayers, OPAQUE_XATTR } from './lower-lookup.js';
import { baseOf, cleanEntryPath, joinRel, parentOf } from './paths.js';
import { isDirMode, isRegMode, lstatOrUndefined, readdirIn, removeAllIn } from './safe-fs.js';

/** How whiteouts are stored: overlay (char 0:0 + opaque xattr) or applied (deletion, vfs). */
export type WhiteoutFormat = 'overlay' | 'vfs';

/** Progress of an apply: bytes of uncompressed tar read so far and entries applied. */
export interface ApplyProgress {
  type: 'apply';
  bytes: number;
  entries: number;
}

export interface ApplyLayerOptions {
  /** Compression of the stream; default `auto` (from the first bytes), or from `mediaType`. */
  compression?: Compression | 'auto';
  /** An OCI/Docker layer media type: sets `compression`. */
  mediaType?: string;
  /** Expected diff ID (digest of the uncompressed tar): the apply fails with ERR_DIGEST_MISMATCH otherwise. */
  diffId?: string;
  /** Whiteout form (default `vfs`: entries are deleted). */
  whiteouts?: WhiteoutFormat;
  /**
   * Overlay-form directories of the layers below, topmost first. Used (overlay form) to
   * resolve hardlinks to files of lower layers (copied up first) and to give parent
   * directories created implicitly the attributes they have below.
   */
  lowerDirs?: readonly string[];
  /** Container → host id mappings: owners in the tar are container ids. */
  idMappings?: IdMappings;
  /**
   * Apply into the existing directory `target` instead of creating it. Not atomic: the
   * caller owns the directory and discards it on failure.
   */
  inPlace?: boolean;
  signal?: AbortSignal;
  onProgress?: (event: ApplyProgress) => void;
}

export interface ApplyLayerResult {
  /** sha256 digest of the uncompressed tar. */
  diffId: `sha256:${string}`;
  /** Size of the uncompressed tar in bytes. */
  size: number;
  entries: number;
  compression: Compression;
}

interface TarHeader {
  name: string;
  type?: string | null;
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  mtime?: Date;
  linkname?: string | null;
  devmajor?: number;
  devminor?: number;
  pax?: PaxWithXattrs | null;
}

const NS = 1_000_000_000n;
const WH_PREFIX = '.wh.';
const WH_OPAQUE = '.wh..wh..opq';

/**
 * Applies a layer (tar, tar+gzip or tar+zstd) to `target`, streaming. The target is
 * created atomically: the layer is applied to a temp dir next to it that is renamed only
 * once the whole stream applied and its diff ID matched. Every file operation goes through
 * a SafeRoot (openat2 RESOLVE_IN_ROOT), so no entry can reach outside the target; names
 * that climb above it fail with ERR_LAYER_PATH_ESCAPE.
 */
export async function applyLayer(
  input: Readable | AsyncIterable<Uint8Array>,
  target: string,
  options: ApplyLayerOptions = {},
): Promise<ApplyLayerResult> {
  let compression = options.compression ?? 'auto';
  if (options.mediaType !== undefined) {
    const info = layerMediaTypeInfo(options.mediaType);
    if (!info) {
      throw new GraphDriverError(
        'ERR_COMPRESSION_UNSUPPORTED',
        `${options.mediaType} is not a layer media type`,
      );
    }
    compression = info.compression;
  }
  const dest = options.inPlace
    ? target
    : join(dirname(target), `.${basename(target)}.berth-tmp-${randomBytes(6).toString('hex')}`);
  if (!options.inPlace) {
    if (existsSync(target)) {
      throw new GraphDriverError('ERR_LAYER_EXISTS', `${target} already exists`, { path: target });
    }
    mkdirSync(dest, { mode: 0o755 });
  }
  let root: SafeRoot | undefined;
  try {
    root = SafeRoot.open(dest);
    const result = await applyInto(input, root, compression, options);
    root.close();
    root = undefined;
    if (!options.inPlace) renameSync(dest, target);
    return result;
  } catch (err) {
    root?.close();
    if (!options.inPlace) rmSync(dest, { recursive: true, force: true });
    throw toApplyError(err);
  }
}

function toApplyError(err: unknown): Error {
  if (isGraphDriverError(err)) return err;
  if (isImageSpecError(err)) {
    const code = err.code === 'ERR_SIZE_MISMATCH' ? 'ERR_SIZE_MISMATCH' : 'ERR_DIGEST_MISMATCH';
    return new GraphDriverError(code, `layer ${err.message}`, { cause: err });
  }
  if ((err as Error)?.name === 'AbortError') {
    return new GraphDriverError('ERR_ABORTED', 'layer apply aborted', { cause: err });
  }
  if (isLibcontainerError(err, 'ERR_PATH_ESCAPE')) {
    return new GraphDriverError('ERR_LAYER_PATH_ESCAPE', err.message, { path: err.path, cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new GraphDriverError('ERR_LAYER_INVALID', `layer does not apply: ${message}`, { cause: err });
}

async function applyInto(
  input: Readable | AsyncIterable<Uint8Array>,
  root: SafeRoot,
  compression: Compression | 'auto',
  options: ApplyLayerOptions,
): Promise<ApplyLayerResult> {
  installPaxXattrDecoder();
  const decompressor = createDecompressor(compression);
  const hasher: DigestVerifier | DigestCalculator = options.diffId
    ? createDigestVerifier({ digest: options.diffId })
    : new DigestCalculator('sha256');
  const extract = tar.extract();
  const applier = new EntryApplier(root, options);
  const feeding = pipeline(input as Readable, decompressor, hasher, extract, { signal: options.signal });
  let failure: unknown;
  try {
    for await (const entry of extract) {
      await applier.entry(entry.header as TarHeader, entry as unknown as AsyncIterable<Buffer>);
      if (options.onProgress && applier.entries % 256 === 0) {
        options.onProgress({ type: 'apply', bytes: hasher.bytes, entries: applier.entries });
      }
    }
  } catch (err) {
    failure = err;
    extract.destroy(err as Error);
  }
  try {
    await feeding;
  } catch (err) {
    failure ??= err;
  }
  if (failure) {
    // The decoder's own error (digest, size, zstd) explains more than the parser's.
    throw failure;
  }
  applier.finish();
  const diffId = hasher instanceof DigestCalculator ? hasher.digest : (options.diffId as string);
  options.onProgress?.({ type: 'apply', bytes: hasher.bytes, entries: applier.entries });
  return {
    diffId: diffId as `sha256:${string}`,
    size: hasher.bytes,
    entries: applier.entries,
    compression: decompressor.compression ?? 'none',
  };
}

interface Meta {
  path: string;
  mode: number;
  uid: number;
  gid: number;
  mtimeNs: bigint;
  atimeNs: bigint;
  xattrs: Map<string, Buffer> | undefined;
}

/** Applies tar entries one by one; synchronous file operations, asynchronous data. */
class EntryApplier {
  entries = 0;
  readonly #r: SafeRoot;
  readonly #opts: ApplyLayerOptions;
  readonly #overlay: boolean;
  readonly #lower: readonly string[];
  /** Paths known to be real directories in this tree. */
  readonly #dirs = new Set<string>(['']);
  /** vfs: paths this layer created (an opaque marker keeps them). */
  readonly #created = new Set<string>();
  readonly #dirTimes: Meta[] = [];

  constructor(root: SafeRoot, opts: ApplyLayerOptions) {
    this.#r = root;
    this.#opts = opts;
    this.#overlay = opts.whiteouts === 'overlay';
    this.#lower = opts.lowerDirs ?? [];
  }

  async entry(h: TarHeader, data: AsyncIterable<Buffer>): Promise<void> {
    const type = h.type ?? 'file';
    this.entries++;
    try {
      const path = cleanEntryPath(h.name);
      if (path === '' || type === 'pax-global-header') {
        await drain(data);
        return;
      }
      const base = baseOf(path);
      if (base.startsWith(WH_PREFIX)) {
        await drain(data);
        this.#whiteout(path, base);
        return;
      }
      const meta = this.#meta(path, h);
      switch (type) {
        case 'file':
        case 'contiguous-file':
          await this.#file(meta, data);
          break;
        case 'directory':
          await drain(data);
          this.#dir(meta);
          break;
        case 'symlink':
          await drain(data);
          this.#symlink(meta, h.linkname ?? '');
          break;
        case 'link':
          await drain(data);
          this.#hardlink(meta, h.linkname ?? '');
          break;
        case 'character-device':
        case 'block-device':
        case 'fifo':
          await drain(data);
          this.#node(meta, type, h.devmajor ?? 0, h.devminor ?? 0);
          break;
        default:
          throw new GraphDriverError('ERR_LAYER_INVALID', `unsupported tar entry type ${type}`, { path });
      }
      if (!this.#overlay) {
        for (let p = path; p !== '' && !this.#created.has(p); p = parentOf(p)) this.#created.add(p);
      }
    } catch (err) {
      if (isGraphDriverError(err)) throw err;
      const e = toApplyError(err) as GraphDriverError;
      throw new GraphDriverError(e.code, `tar entry ${JSON.stringify(h.name)}: ${(err as Error).message}`, {
        path: h.name,
        cause: err,
      });
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
    const mtimeNs = parsePaxTime(pax?.mtime) ?? BigInt(Math.floor((h.mtime?.getTime() ?? 0) / 1000)) * NS;
    const uid = pax?.uid !== undefined ? Number.parseInt(pax.uid, 10) : (h.uid ?? 0);
    const gid = pax?.gid !== undefined ? Number.parseInt(pax.gid, 10) : (h.gid ?? 0);
    const ids = this.#opts.idMappings;
    let xattrs: Map<string, Buffer> | undefined;
    for (const [k, v] of pax?.[RAW_XATTRS] ?? []) {
      // Overlay's own attributes (opaque, redirect, origin, metacopy) are never taken from a layer.
      if (k.startsWith('trusted.overlay.')) continue;
      xattrs ??= new Map();
      xattrs.set(k, v);
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
    for (const [k, v] of m.xattrs ?? []) {
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

  async #file(m: Meta, data: AsyncIterable<Buffer>): Promise<void> {
    const fd = this.#make(m.path, () => this.#r.openFile(m.path, 'wx', 0o600));
    try {
      for await (const chunk of data) {
        for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off);
      }
      this.#attrs(m, fd);
      this.#times(m, fd);
    } finally {
      closeSync(fd);
    }
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

async function drain(data: AsyncIterable<Buffer>): Promise<void> {
  for await (const _ of data) {
    // skip
  }
}

const depth = (p: string) => p.split('/').length;
