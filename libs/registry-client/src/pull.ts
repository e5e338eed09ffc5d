import {
  type Descriptor,
  type ImageManifest,
  ImageSpecError,
  type Platform,
  parsePlatform,
  type Reference,
  selectManifest,
} from '@berth/image-spec';
import { type BlobDownloadOptions, blobChunks, downloadBlob } from './blob-download.js';
import { type ContentStore, ingestOf } from './content-store.js';
import { createLimiter } from './limiter.js';
import { getManifest, type Repository } from './manifests.js';
import { type BlobRole, type PullEvent, retryEvent, throttle } from './progress.js';
import { releaseBuffers } from './transport/release-memory.js';
import type { RetryOptions } from './transport/retry.js';

export interface PullOptions {
  /** Platform to pick from an index (default: the host's), e.g. `linux/arm64` or a Platform. */
  platform?: Platform | string;
  /** Name to give the image in the store (default: the full reference); false for none. */
  tag?: string | false;
  /** Blobs downloaded at once (default: the client's, 3). */
  concurrency?: number;
  onProgress?: (event: PullEvent) => void;
  signal?: AbortSignal;
}

export interface PullResult {
  /** The full, normalised reference that was pulled. */
  reference: string;
  /** What the reference resolved to: an index or a manifest. */
  descriptor: Descriptor;
  /** The image manifest for the platform (the same as `descriptor` when there was no index). */
  manifest: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
  /** The endpoint (registry or mirror) that served the image. */
  endpoint: string;
}

/** Downloads in flight per store, so that concurrent pulls sharing a layer fetch it once. */
export type InflightMap = WeakMap<object, Map<string, Promise<void>>>;

export interface PullContext {
  repo: Repository;
  ref: Reference;
  store: ContentStore;
  /** The object the caller passed as the store: the key for sharing downloads. */
  storeKey: object;
  inflight: InflightMap;
  concurrency: number;
  retry: RetryOptions;
}

/** Pulls one image from one endpoint into the store; the tag is set only after everything is stored. */
export async function pullFrom(ctx: PullContext, options: PullOptions): Promise<PullResult> {
  const { repo, ref, store } = ctx;
  const emit = options.onProgress ?? (() => undefined);
  const signal = options.signal;
  const top = await getManifest(repo, ref.digest ?? ref.tag!, signal);
  emit({
    type: 'resolved',
    reference: ref.toString(),
    descriptor: top.descriptor,
    endpoint: repo.endpoint.name,
  });

  const documents: { descriptor: Descriptor; bytes: Buffer }[] = [top];
  let manifestDescriptor = top.descriptor;
  let manifest: ImageManifest;
  if (top.document.kind === 'index') {
    const platform =
      typeof options.platform === 'string' ? parsePlatform(options.platform) : options.platform;
    const chosen = selectManifest(top.document.index, platform);
    const child = await getManifest(repo, chosen.digest, signal);
    if (child.document.kind !== 'manifest') {
      throw new ImageSpecError(
        'ERR_MANIFEST_INVALID',
        `${chosen.digest} is listed as a manifest but is an index`,
      );
    }
    manifest = child.document.manifest;
    manifestDescriptor = { ...chosen, mediaType: child.descriptor.mediaType };
    documents.unshift(child);
  } else {
    manifest = top.document.manifest;
  }

  const run = createLimiter(Math.max(1, options.concurrency ?? ctx.concurrency));
  const blobs: [Descriptor, BlobRole][] = [
    [manifest.config, 'config'],
    ...manifest.layers.map((l): [Descriptor, BlobRole] => [l, 'layer']),
  ];
  const unique = blobs.filter(([d], i) => blobs.findIndex(([o]) => o.digest === d.digest) === i);
  // The limit is on layers, as Docker's max-concurrent-downloads: the small config never waits
  // for one, nor holds a slot a layer could use.
  const unlimited: typeof run = (task) => task();
  await settleAll(
    unique.map(([desc, role]) =>
      fetchInto(ctx, desc, role, role === 'config' ? unlimited : run, emit, signal),
    ),
  );

  // Manifests last: a store that has the manifest has everything it points to.
  for (const doc of documents) {
    if (!(await store.has(doc.descriptor.digest))) await store.write(doc.bytes, doc.descriptor, signal);
  }
  if (options.tag !== false && store.tag) {
    const name = options.tag ?? ref.toString();
    await store.tag(manifestDescriptor, name);
    emit({ type: 'tagged', name, descriptor: manifestDescriptor });
  }
  return {
    reference: ref.toString(),
    descriptor: top.descriptor,
    manifest: manifestDescriptor,
    config: manifest.config,
    layers: manifest.layers,
    endpoint: repo.endpoint.name,
  };
}

/** Waits for every task; rethrows the first failure once all have stopped (no orphan writes). */
async function settleAll(tasks: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

async function fetchInto(
  ctx: PullContext,
  desc: Descriptor,
  role: BlobRole,
  run: ReturnType<typeof createLimiter>,
  emit: (e: PullEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  const { digest, size } = desc;
  emit({ type: 'waiting', role, digest, size });
  let shared = ctx.inflight.get(ctx.storeKey);
  if (!shared) {
    shared = new Map();
    ctx.inflight.set(ctx.storeKey, shared);
  }
  const running = shared.get(digest);
  if (running) {
    // Another pull into the same store is fetching it: wait for that one (retry if it failed).
    const ok = await running.then(
      () => true,
      () => false,
    );
    if (ok) {
      emit({ type: 'exists', role, digest, size });
      return;
    }
  }
  const task = run(async () => {
    if (await ctx.store.has(digest)) {
      emit({ type: 'exists', role, digest, size });
      return;
    }
    const progress = throttle((done: number) =>
      emit({ type: 'downloading', role, digest, done, total: size }),
    );
    progress(true, 0);
    const download: BlobDownloadOptions = {
      signal,
      retry: ctx.retry,
      onBytes: (done) => {
        progress(done === size, done);
        if (done === size) emit({ type: 'verifying', role, digest });
      },
      onRetry: (info) => emit(retryEvent(role, digest, info)),
    };
    const ingest = ingestOf(ctx.store);
    if (ingest) {
      // The store takes the chunks straight from the connection: no stream stages in between. Nothing
      // but the store sees them, so once they are on disk their memory can be released at once.
      await ingest(
        blobChunks(ctx.repo, desc, download),
        { digest, size },
        { signal, release: releaseBuffers },
      );
    } else {
      const body = downloadBlob(ctx.repo, desc, download);
      try {
        await ctx.store.write(body, { digest, size }, signal);
      } catch (err) {
        body.destroy();
        throw err;
      }
    }
    emit({ type: 'done', role, digest, size });
  });
  shared.set(digest, task);
  try {
    await task;
  } finally {
    if (shared.get(digest) === task) shared.delete(digest);
  }
}
