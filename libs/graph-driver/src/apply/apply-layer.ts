import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { layerMediaTypeInfo, parseDigest } from '@berth/image-spec';
import { SafeRoot } from '@berth/libcontainer';
import { type Compression, createDecompressor } from '../compress/decompress.js';
import { GraphDriverError } from '../errors.js';
import { TarReader } from '../tar/tar-reader.js';
import { toApplyError } from './apply-error.js';
import { EntryApplier } from './entry-applier.js';
import type { IdMappings } from './id-map.js';

/** Parent directory fds the SafeRoot keeps open while applying (a deep tree's working set). */
const PARENT_CACHE_SIZE = 64;

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
    // Most entries share a parent with the one before: cache parent directory fds.
    root = SafeRoot.open(dest, { cacheDirs: PARENT_CACHE_SIZE });
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

async function applyInto(
  input: Readable | AsyncIterable<Uint8Array>,
  root: SafeRoot,
  compression: Compression | 'auto',
  options: ApplyLayerOptions,
): Promise<ApplyLayerResult> {
  // The diff ID is computed where the tar is decompressed (the gzip worker, off this thread).
  const algorithm = options.diffId ? parseDigest(options.diffId, 'diffId').algorithm : 'sha256';
  const decompressor = createDecompressor(compression, { hash: algorithm });
  const applier = new EntryApplier(root, options);
  const reader = new TarReader(applier);
  let reported = 0;
  // Entries are applied synchronously as each chunk arrives: no stream or promise per entry.
  const sink = new Writable({
    highWaterMark: 4 << 20,
    write(chunk: Buffer, _enc, cb) {
      try {
        reader.push(chunk);
      } catch (err) {
        cb(err as Error);
        return;
      }
      if (options.onProgress && applier.entries - reported >= 256) {
        reported = applier.entries;
        options.onProgress({ type: 'apply', bytes: decompressor.bytes, entries: applier.entries });
      }
      cb();
    },
    final(cb) {
      try {
        reader.end();
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
  try {
    await pipeline(input as Readable, decompressor, sink, { signal: options.signal });
  } finally {
    applier.abort();
  }
  const diffId = `${algorithm}:${decompressor.digest}`;
  if (options.diffId !== undefined && diffId !== options.diffId) {
    throw new GraphDriverError(
      'ERR_DIGEST_MISMATCH',
      `layer content digest is ${diffId}, expected ${options.diffId}`,
    );
  }
  applier.finish();
  options.onProgress?.({ type: 'apply', bytes: decompressor.bytes, entries: applier.entries });
  return {
    diffId: diffId as `sha256:${string}`,
    size: decompressor.bytes,
    entries: applier.entries,
    compression: decompressor.compression ?? 'none',
  };
}
