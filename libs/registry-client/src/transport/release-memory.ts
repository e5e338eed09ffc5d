import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MessageChannel, type MessagePort } from 'node:worker_threads';

let sink: MessagePort | undefined;

/** Bytes handed over since the last young-generation collection. */
let sinceCollection = 0;
const COLLECT_EVERY = 8 * 1024 * 1024;

type Collector = (options: { type: 'minor' }) => void;
let collector: Collector | null | undefined;

/**
 * V8's scavenger, reachable without `--expose-gc`: the flag set at run time only gives new
 * contexts a `gc` function (the application's own global is untouched), and it is turned off again
 * at once, so that contexts the application creates later (vm, test runners) don't get one either.
 * Null where it is refused.
 */
function youngCollector(): Collector | null {
  if (collector !== undefined) return collector;
  const own = (globalThis as { gc?: Collector }).gc;
  if (typeof own === 'function') {
    collector = own;
    return collector;
  }
  try {
    setFlagsFromString('--expose-gc');
    try {
      collector = runInNewContext('gc') as Collector;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  } catch {
    collector = null;
  }
  if (typeof collector !== 'function') collector = null;
  return collector;
}

/**
 * Gives the memory of buffers that are no longer needed back to the allocator now, instead of when
 * the garbage collector gets to them. V8 collects dead buffers only after ~64 MB of them, so a pull
 * would otherwise peak tens of MB above its working set.
 *
 * A buffer is detached when it is the whole of its ArrayBuffer (no other view can share that
 * memory: Buffer's pool slabs are never handed out whole) and the caller guarantees that nothing
 * else holds it: transferring it in a message on a closed MessagePort drops the message and frees
 * the memory. The socket reads those chunks were parsed from are garbage by then too, but only a
 * collection frees them: a young-generation one (about a millisecond) runs every 8 MB.
 */
export function releaseBuffers(buffers: readonly Uint8Array[]): void {
  for (const buf of buffers) {
    sinceCollection += buf.byteLength;
    const memory = buf.buffer;
    if (
      buf.byteOffset !== 0 ||
      buf.byteLength !== memory.byteLength ||
      buf.byteLength < 4096 ||
      !(memory instanceof ArrayBuffer)
    ) {
      continue;
    }
    if (!sink) {
      sink = new MessageChannel().port1;
      sink.close();
    }
    try {
      sink.postMessage(undefined, [memory]);
    } catch {
      // Not transferable (marked so, or not detachable): the garbage collector frees it.
    }
  }
  if (sinceCollection >= COLLECT_EVERY) {
    sinceCollection = 0;
    youngCollector()?.({ type: 'minor' });
  }
}
