import { spawn } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import { PassThrough, type Readable, Transform, type TransformCallback, type Writable } from 'node:stream';
import { GraphDriverError } from '../errors.js';
import { workerGunzip } from './gunzip-worker.js';

/** How a layer's bytes are compressed (the OCI media type suffix). */
export type Compression = 'none' | 'gzip' | 'zstd';

const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/** Compression of a stream from its first bytes (gzip 1f 8b, zstd 28 b5 2f fd, else none). */
export function detectCompression(head: Uint8Array): Compression {
  if (GZIP_MAGIC.every((b, i) => head[i] === b)) return 'gzip';
  if (ZSTD_MAGIC.every((b, i) => head[i] === b)) return 'zstd';
  return 'none';
}

/** The program used for zstd: Debian's `zstd` (override with BERTH_ZSTD). */
export const zstdCommand = (): string => process.env.BERTH_ZSTD ?? 'zstd';

interface Inner {
  writable: Writable;
  readable: Readable;
  /** Resolves when the inner decoder finished without error. */
  done: Promise<void>;
  kill(): void;
  /** Hex digest of the output when the decoder hashes it itself (off this thread). */
  digest?(): string | undefined;
}

export interface DecompressorOptions {
  /** Hash the uncompressed output with this algorithm (e.g. `sha256`): see `digest`. */
  hash?: string;
}

/**
 * zstd through `zstd -dc` as a subprocess: it decodes on the other core while this process
 * writes files, and needs no native build (see README, "Why a subprocess for zstd").
 */
function unzstd(): Inner {
  const child = spawn(zstdCommand(), ['-d', '-c', '-q', '--no-progress'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    if (stderr.length < 4096) stderr += s;
  });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', (err) =>
      reject(
        new GraphDriverError('ERR_COMPRESSION_UNSUPPORTED', `cannot run ${zstdCommand()} for a zstd layer`, {
          cause: err,
        }),
      ),
    );
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new GraphDriverError(
            'ERR_LAYER_INVALID',
            `zstd layer does not decompress (${signal ?? `exit ${code}`}): ${stderr.trim()}`,
          ),
        );
    });
  });
  // EPIPE on stdin when zstd stops early is reported through the exit status instead.
  child.stdin.on('error', () => {});
  return {
    writable: child.stdin,
    readable: child.stdout,
    done,
    kill: () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

function passthrough(): Inner {
  const p = new PassThrough({ highWaterMark: 256 * 1024 });
  const done = new Promise<void>((resolve) => p.on('end', resolve));
  return { writable: p, readable: p, done, kill: () => p.destroy() };
}

/**
 * A Transform that decompresses what is written to it. With `auto`, the compression is
 * read from the first bytes. The output is the uncompressed tar.
 */
export class Decompressor extends Transform {
  #mode: Compression | 'auto';
  #inner: Inner | undefined;
  #head: Buffer[] = [];
  #headLen = 0;
  #detected: Compression | undefined;
  readonly #hashAlgorithm: string | undefined;
  /** The hash of the output when this thread computes it (not the gzip worker). */
  #hash: Hash | undefined;
  #digest: string | undefined;
  #bytes = 0;

  constructor(compression: Compression | 'auto' = 'auto', options: DecompressorOptions = {}) {
    super({ readableHighWaterMark: 4 << 20 });
    this.#mode = compression;
    this.#hashAlgorithm = options.hash;
  }

  /** The compression in use, once known. */
  get compression(): Compression | undefined {
    return this.#detected;
  }

  /** Uncompressed bytes output so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Hex digest of the whole output (with the `hash` option), once the stream ended. */
  get digest(): string | undefined {
    if (this.#hash) this.#digest ??= this.#hash.digest('hex');
    return this.#digest ?? this.#inner?.digest?.();
  }

  #start(c: Compression): Inner {
    this.#detected = c;
    const alg = this.#hashAlgorithm;
    // gzip is inflated and hashed in a worker thread; the others are hashed here.
    const inner = c === 'gzip' ? workerGunzip(alg) : c === 'zstd' ? unzstd() : passthrough();
    if (alg !== undefined && !inner.digest) this.#hash = createHash(alg);
    inner.readable.on('data', (chunk: Buffer) => {
      this.#bytes += chunk.length;
      this.#hash?.update(chunk);
      if (!this.push(chunk)) inner.readable.pause();
    });
    inner.done.catch((err) => this.destroy(err));
    this.#inner = inner;
    return inner;
  }

  override _read(size: number): void {
    this.#inner?.readable.resume();
    super._read(size);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    let inner = this.#inner;
    if (!inner) {
      if (this.#mode === 'auto') {
        this.#head.push(chunk);
        this.#headLen += chunk.length;
        if (this.#headLen < 4) {
          cb();
          return;
        }
        chunk = Buffer.concat(this.#head);
        this.#head = [];
      }
      inner = this.#start(this.#mode === 'auto' ? detectCompression(chunk) : this.#mode);
    }
    if (inner.writable.write(chunk)) cb();
    else inner.writable.once('drain', () => cb());
  }

  override _flush(cb: TransformCallback): void {
    const inner = this.#inner ?? this.#start(this.#mode === 'auto' ? 'none' : this.#mode);
    if (this.#head.length > 0) inner.writable.write(Buffer.concat(this.#head));
    inner.writable.end();
    inner.done.then(
      () => cb(),
      (err) => cb(err),
    );
  }

  override _destroy(err: Error | null, cb: (error: Error | null) => void): void {
    this.#inner?.kill();
    cb(err);
  }
}

/** A decompressing stream for `compression` (default: detect from the first bytes). */
export function createDecompressor(
  compression: Compression | 'auto' = 'auto',
  options: DecompressorOptions = {},
): Decompressor {
  return new Decompressor(compression, options);
}
