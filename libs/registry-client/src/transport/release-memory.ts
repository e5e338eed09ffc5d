import { MessageChannel, type MessagePort } from 'node:worker_threads';

let sink: MessagePort | undefined;

/**
 * Gives the memory of buffers that are no longer needed back to the allocator now, instead of when
 * the garbage collector gets to them. Socket reads allocate a fresh buffer each; V8 collects them only
 * after ~64 MB of such allocations, so a pull would otherwise peak ~60 MB above its working set.
 *
 * A buffer is released only when it is the whole of its ArrayBuffer (no other view can share that
 * memory: Buffer's pool slabs are never handed out whole) and the caller guarantees that nothing else
 * holds it. Releasing detaches it: transferring it in a message on a closed MessagePort drops the
 * message and frees the memory. Buffers that do not qualify are left to the garbage collector.
 */
export function releaseBuffers(buffers: readonly Uint8Array[]): void {
  for (const buf of buffers) {
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
}
