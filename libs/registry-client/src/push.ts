import {
  type Descriptor,
  ImageSpecError,
  isIndexMediaType,
  isManifestMediaType,
  layerMediaTypeInfo,
  parseManifestOrIndex,
  type Reference,
} from '@berth/image-spec';
import { blobExists, uploadBlob } from './blob-upload.js';
import { type ContentStore, readSmallBlob } from './content-store.js';
import { createLimiter } from './limiter.js';
import { putManifest, type Repository } from './manifests.js';
import type { BlobRole, PushEvent } from './progress.js';
import { retryEvent, throttle } from './progress.js';
import { addToReferrersTag } from './referrers.js';
import type { RetryOptions } from './transport/retry.js';

export interface PushOptions {
  /** Which image of the store to push: a name it resolves, or a descriptor (default: its only image). */
  source?: string | Descriptor;
  /** Blobs uploaded at once (default: the client's, 3). */
  concurrency?: number;
  /** Repositories on the same registry to mount blobs from instead of uploading them. */
  mountFrom?: readonly string[];
  /** Blobs up to this size go up in one PUT (default 16 MiB). */
  monolithicMax?: number;
  /** PATCH size for bigger blobs (default 16 MiB). */
  chunkSize?: number;
  onProgress?: (event: PushEvent) => void;
  signal?: AbortSignal;
}

export interface PushResult {
  reference: string;
  /** The descriptor of what was pushed at the reference (a manifest or an index). */
  descriptor: Descriptor;
}

export interface PushContext {
  repo: Repository;
  ref: Reference;
  store: ContentStore;
  concurrency: number;
  retry: RetryOptions;
}

/**
 * Pushes an image (a manifest, or an index and every manifest it lists) from the store: blobs the
 * repository has are skipped (HEAD), others mounted or uploaded, then child manifests by digest and
 * the top one by the reference's tag (or digest).
 */
export async function pushTo(ctx: PushContext, options: PushOptions): Promise<PushResult> {
  const { store, ref } = ctx;
  const emit = options.onProgress ?? (() => undefined);
  let root: Descriptor;
  if (typeof options.source === 'object') root = options.source;
  else if (store.resolve) root = await store.resolve(options.source);
  else
    throw new ImageSpecError(
      'ERR_MANIFEST_NOT_FOUND',
      'the content store cannot resolve names: pass a descriptor as source',
    );
  if (ref.digest !== undefined && ref.digest !== root.digest) {
    throw new ImageSpecError(
      'ERR_DIGEST_MISMATCH',
      `pushing ${root.digest} to ${ref.toString()}: the digests differ`,
    );
  }
  const run = createLimiter(Math.max(1, options.concurrency ?? ctx.concurrency));
  const done = new Map<string, Promise<void>>();
  const pushed = await pushDocument(ctx, root, ref.tag ?? root.digest, run, done, emit, options);
  return { reference: ref.toString(), descriptor: pushed };
}

async function pushDocument(
  ctx: PushContext,
  desc: Descriptor,
  target: string,
  run: ReturnType<typeof createLimiter>,
  done: Map<string, Promise<void>>,
  emit: (e: PushEvent) => void,
  options: PushOptions,
): Promise<Descriptor> {
  const bytes = await readSmallBlob(ctx.store, desc);
  const doc = parseManifestOrIndex(bytes, desc.mediaType);
  if (doc.kind === 'index') {
    for (const child of doc.index.manifests) {
      if (isIndexMediaType(child.mediaType) || isManifestMediaType(child.mediaType)) {
        await pushDocument(ctx, child, child.digest, run, done, emit, options);
      }
    }
  } else {
    const blobs: [Descriptor, BlobRole][] = [
      [doc.manifest.config, 'config'],
      ...doc.manifest.layers
        .filter((l) => !(layerMediaTypeInfo(l.mediaType)?.nonDistributable && l.urls?.length))
        .map((l): [Descriptor, BlobRole] => [l, 'layer']),
    ];
    const results = await Promise.allSettled(
      blobs.map(([blob, role]) => {
        let task = done.get(blob.digest);
        if (!task) {
          task = pushBlob(ctx, blob, role, run, emit, options);
          done.set(blob.digest, task);
        }
        return task;
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
  const mediaType = desc.mediaType;
  const { descriptor, subjectAccepted } = await putManifest(
    ctx.repo,
    target,
    bytes,
    mediaType,
    options.signal,
  );
  const subject = doc.kind === 'index' ? doc.index.subject : doc.manifest.subject;
  if (subject && !subjectAccepted) {
    const artifactType =
      doc.kind === 'index'
        ? doc.index.artifactType
        : (doc.manifest.artifactType ?? doc.manifest.config.mediaType);
    const annotations = doc.kind === 'index' ? doc.index.annotations : doc.manifest.annotations;
    await addToReferrersTag(
      ctx.repo,
      subject,
      {
        ...descriptor,
        ...(artifactType ? { artifactType } : {}),
        ...(annotations ? { annotations } : {}),
      },
      options.signal,
    );
  }
  emit({ type: 'manifest', reference: `${ctx.repo.endpoint.name}/${ctx.repo.path}:${target}`, descriptor });
  return { ...descriptor, ...(desc.platform ? { platform: desc.platform } : {}) };
}

async function pushBlob(
  ctx: PushContext,
  blob: Descriptor,
  role: BlobRole,
  run: ReturnType<typeof createLimiter>,
  emit: (e: PushEvent) => void,
  options: PushOptions,
): Promise<void> {
  const { digest, size } = blob;
  emit({ type: 'waiting', role, digest, size });
  await run(async () => {
    if (await blobExists(ctx.repo, digest, options.signal)) {
      emit({ type: 'exists', role, digest, size });
      return;
    }
    const progress = throttle((n: number) => emit({ type: 'uploading', role, digest, done: n, total: size }));
    const result = await uploadBlob(
      ctx.repo,
      blob,
      (offset, length) => ctx.store.read(blob, { offset, length }),
      {
        signal: options.signal,
        retry: ctx.retry,
        mountFrom: options.mountFrom,
        monolithicMax: options.monolithicMax,
        chunkSize: options.chunkSize,
        onBytes: (n) => progress(n === size, n),
        onRetry: (info) => emit(retryEvent(role, digest, info)),
      },
    );
    if (result.outcome === 'mounted') emit({ type: 'mounted', role, digest, size, from: result.from });
    emit({ type: 'done', role, digest, size });
  });
}
