import { Readable, Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';

// Runs in the worker: one gunzip per session (hashing what it outputs, when asked), output batched into buffers of its own (so
// they can be transferred, not copied) of about OUT_BATCH bytes. An input chunk is acked
// once all its output went out: the main side bounds what is in flight by the acks.
// zlib emits a chunk before it queues the next inflate step on the thread pool, so hashing
// and copying a chunk right in 'data' would keep the pool idle meanwhile: they are deferred
// to a tick (run once this callback returned, while the pool inflates the next piece).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const zlib = require('node:zlib');
const OUT_BATCH = 1 << 20;
const sessions = new Map();
function open(id, hash) {
  // Multi-member gzip (pigz, concatenated layers) is decoded whole: zlib's default.
  const z = zlib.createGunzip({ chunkSize: 256 * 1024, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const s = { z, pending: [], scheduled: false, out: [], outLen: 0, hash: hash ? createHash(hash) : undefined };
  const post = () => {
    const buf = new Uint8Array(s.outLen);
    let off = 0;
    for (const c of s.out) { buf.set(c, off); off += c.length; }
    s.out = []; s.outLen = 0;
    parentPort.postMessage({ id, type: 'data', buf }, [buf.buffer]);
  };
  const drain = () => {
    s.scheduled = false;
    const pending = s.pending;
    s.pending = [];
    for (const c of pending) { s.hash?.update(c); s.out.push(c); s.outLen += c.length; if (s.outLen >= OUT_BATCH) post(); }
  };
  const flush = () => { drain(); if (s.outLen > 0) post(); };
  s.flush = flush;
  z.on('data', (c) => {
    s.pending.push(c);
    if (!s.scheduled) { s.scheduled = true; process.nextTick(drain); }
  });
  z.on('end', () => {
    flush();
    sessions.delete(id);
    parentPort.postMessage({ id, type: 'end', digest: s.hash?.digest('hex') });
  });
  z.on('error', (err) => {
    sessions.delete(id);
    parentPort.postMessage({ id, type: 'error', message: err.message, code: err.code, errno: err.errno });
  });
  sessions.set(id, s);
}
parentPort.on('message', (m) => {
  if (m.type === 'open') return open(m.id, m.hash);
  const s = sessions.get(m.id);
  if (!s) return;
  if (m.type === 'data') s.z.write(m.buf, () => { s.flush(); parentPort.postMessage({ id: m.id, type: 'ack' }); });
  else if (m.type === 'end') s.z.end();
  else if (m.type === 'close') { sessions.delete(m.id); s.z.destroy(); }
});
`;

/** Input chunks sent and not yet acked before the writer waits. */
const MAX_IN_FLIGHT = 4;

type FromWorker =
  | { id: number; type: 'data'; buf: Uint8Array }
  | { id: number; type: 'ack' }
  | { id: number; type: 'end'; digest?: string }
  | { id: number; type: 'error'; message: string; code?: string; errno?: number };

interface Session {
  onMessage(m: FromWorker): void;
}

let worker: Worker | undefined;
let nextId = 1;
const sessions = new Map<number, Session>();

/**
 * An idle worker is a whole V8 isolate (~8 MB resident): a long-lived process that applies
 * layers in bursts (a daemon) lets it go after this long without a layer, and starts it again
 * on the next one.
 */
let idleTimeoutMs = 10_000;
let idleTimer: NodeJS.Timeout | undefined;

/** For tests: how long the worker outlives its last layer, and whether it is running. */
export function setGunzipWorkerIdleTimeout(ms: number): void {
  idleTimeoutMs = ms;
}
export function gunzipWorkerRunning(): boolean {
  return worker !== undefined;
}

function stopWhenIdle(w: Worker): void {
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    if (worker !== w || sessions.size > 0) return;
    worker = undefined;
    void w.terminate();
  }, idleTimeoutMs);
  idleTimer.unref();
}

/**
 * The shared worker, started on first use and kept while layers come (unreferenced while idle:
 * it never keeps the process alive on its own). One worker serves every layer being applied.
 */
function sharedWorker(): Worker {
  clearTimeout(idleTimer);
  if (worker) return worker;
  // No inherited execArgv: `--input-type=module` would make the CommonJS source above ESM.
  const w = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
  w.on('message', (m: FromWorker) => sessions.get(m.id)?.onMessage(m));
  const fail = (err: Error) => {
    if (worker === w) worker = undefined;
    for (const [id, s] of sessions)
      s.onMessage({ id, type: 'error', message: `gunzip worker: ${err.message}` });
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`exited with code ${code}`)));
  w.unref();
  worker = w;
  return w;
}

/**
 * gzip decoding in a worker thread: the main thread only creates files while the other core
 * inflates, as GNU tar does with its gzip child. The same shape as the other decoders of
 * decompress.ts: what is written to `writable` comes out of `readable` uncompressed.
 */
export function workerGunzip(hash?: string): {
  writable: Writable;
  readable: Readable;
  done: Promise<void>;
  kill(): void;
  /** Hex digest of the output (with `hash`), once `done`. */
  digest(): string | undefined;
} {
  const w = sharedWorker();
  const id = nextId++;
  let inFlight = 0;
  let waiting: (() => void) | undefined;
  let finishing: (() => void) | undefined;
  let digest: string | undefined;
  let settle: { resolve(): void; reject(err: Error): void } | undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Handled by the Decompressor; this keeps an early failure from being "unhandled".
  done.catch(() => {});

  const readable = new Readable({ highWaterMark: 8 << 20, read: () => release() });
  const release = () => {
    if (waiting && inFlight < MAX_IN_FLIGHT && readable.readableLength < readable.readableHighWaterMark) {
      const cb = waiting;
      waiting = undefined;
      cb();
    }
  };
  const end = (err?: Error) => {
    if (!sessions.delete(id)) return;
    if (sessions.size === 0) {
      w.unref();
      stopWhenIdle(w);
    }
    if (err) {
      w.postMessage({ id, type: 'close' });
      settle?.reject(err);
      // The error reaches the Decompressor through `done`; an 'error' event here would have no listener.
      readable.destroy();
    } else settle?.resolve();
  };
  const writable = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, cb) {
      // A copy of just this chunk, moved to the worker: posting the chunk itself would copy
      // its whole backing ArrayBuffer, which may be far bigger than the chunk.
      const buf = new Uint8Array(chunk);
      w.postMessage({ id, type: 'data', buf }, [buf.buffer]);
      inFlight++;
      waiting = cb;
      release();
    },
    final(cb) {
      finishing = cb;
      w.postMessage({ id, type: 'end' });
    },
  });

  sessions.set(id, {
    onMessage(m) {
      switch (m.type) {
        case 'data':
          readable.push(Buffer.from(m.buf.buffer, m.buf.byteOffset, m.buf.byteLength));
          break;
        case 'ack':
          inFlight--;
          release();
          break;
        case 'end':
          digest = m.digest;
          readable.push(null);
          end();
          finishing?.();
          break;
        case 'error': {
          const err = Object.assign(new Error(m.message), { code: m.code, errno: m.errno });
          end(err);
          finishing?.();
        }
      }
    },
  });
  w.ref();
  w.postMessage({ id, type: 'open', hash });
  return {
    writable,
    readable,
    done,
    kill: () => end(new Error('gunzip cancelled')),
    digest: () => digest,
  };
}
