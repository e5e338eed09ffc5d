import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Descriptor, OciLayout } from '@berth/image-spec';
import { ingestBlob } from './blob-ingest.js';

/** What is known about a blob before its bytes: its digest and size. */
export interface BlobRef {
  digest: string;
  size: number;
}

/**
 * Where a pull puts content and where a push reads it from. An OCI layout is one
 * (`ociLayoutStore`); a graph driver or an engine can bring its own.
 */
export interface ContentStore {
  has(digest: string): Promise<boolean>;
  /**
   * Stores a blob. Implementations MUST verify the bytes against `expected` and reject with
   * image-spec's ERR_DIGEST_MISMATCH / ERR_SIZE_MISMATCH, keeping nothing, when they differ; the blob
   * becomes visible only once complete and verified. Consumes `source` to its end.
   */
  write(
    source: Readable | Uint8Array,
    expected: BlobRef,
    signal?: AbortSignal,
  ): Promise<{ created: boolean }>;
  /** A stream of the blob, or of `length` bytes from `offset` (unverified when ranged). */
  read(blob: BlobRef, range?: { offset: number; length?: number }): Promise<Readable>;
  /** Names a pulled image (optional: stores without names skip it). */
  tag?(descriptor: Descriptor, name: string): Promise<void>;
  /** Finds a named image's descriptor (optional: push needs it to push by name). */
  resolve?(name?: string): Promise<Descriptor>;
}

/**
 * A store's fast path for pulls (internal, found under this symbol): writes a blob from the chunks of
 * a download, with the same verification and atomicity as `write`, telling `release` which chunks
 * are on disk and no longer referenced by the store.
 */
export const ingestChunks: unique symbol = Symbol('berth.ingestChunks');

export type IngestChunks = (
  chunks: AsyncIterable<Buffer>,
  expected: BlobRef,
  options: { signal?: AbortSignal; release?: (written: Buffer[]) => void },
) => Promise<{ created: boolean }>;

/** The store's chunk fast path, if it has one. */
export function ingestOf(store: ContentStore): IngestChunks | undefined {
  return (store as { [ingestChunks]?: IngestChunks })[ingestChunks];
}

/** An OciLayout as a ContentStore: verified atomic writes, index.json names. */
export function ociLayoutStore(layout: OciLayout): ContentStore {
  const store: ContentStore & { [ingestChunks]: IngestChunks } = {
    [ingestChunks]: ((chunks, expected, options) =>
      ingestBlob(layout, chunks, expected, options)) satisfies IngestChunks,
    has: (digest) => layout.hasBlob(digest),
    async write(source, expected, signal) {
      const { created } = await layout.writeBlob(source, expected, signal);
      return { created };
    },
    async read(blob, range) {
      if (!range || (range.offset === 0 && range.length === undefined)) return layout.openBlob(blob);
      if (!(await layout.hasBlob(blob.digest))) return layout.openBlob(blob); // throws ERR_BLOB_NOT_FOUND
      if (range.length === 0) return Readable.from([]);
      return createReadStream(layout.blobPath(blob.digest), {
        start: range.offset,
        end: range.length === undefined ? undefined : range.offset + range.length - 1,
      });
    },
    tag: (descriptor, name) => layout.tag(descriptor, name),
    resolve: (name) => layout.resolve(name),
  };
  return store;
}

/** Accepts an OciLayout or any ContentStore. */
export function asContentStore(store: ContentStore | OciLayout): ContentStore {
  return 'writeBlob' in store ? ociLayoutStore(store) : store;
}

/** Reads a small blob (a manifest, a config) into memory. */
export async function readSmallBlob(store: ContentStore, blob: BlobRef): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.read(blob)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
