import { type Readable, Transform } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { repositoryScope } from './auth/bearer-token.js';
import type { BlobRef } from './content-store.js';
import { isAbort, isRegistryError, RegistryError } from './errors.js';
import { label, type Repository } from './manifests.js';
import {
  type RetryInfo,
  type RetryOptions,
  retryDefaults,
  retryDelay,
  withRetry,
} from './transport/retry.js';

/** Opens the source bytes of a blob from `offset`, `length` bytes long (to the end when undefined). */
export type BlobSource = (offset: number, length?: number) => Promise<Readable>;

export interface BlobUploadOptions {
  signal?: AbortSignal;
  retry?: RetryOptions;
  /** Blobs up to this size go up in one PUT (default 16 MiB); bigger ones in PATCH chunks. */
  monolithicMax?: number;
  /** Size of each PATCH (default 16 MiB). */
  chunkSize?: number;
  /** Repositories on the same registry that may hold the blob: tried as cross-repository mounts. */
  mountFrom?: readonly string[];
  onBytes?: (done: number) => void;
  onRetry?: (info: RetryInfo & { done: number }) => void;
}

export type BlobUploadResult = { outcome: 'uploaded' } | { outcome: 'mounted'; from: string };

const MiB = 1024 * 1024;

/** HEAD a blob: does the repository have it? */
export async function blobExists(repo: Repository, digest: string, signal?: AbortSignal): Promise<boolean> {
  const res = await repo.endpoint.request({
    method: 'HEAD',
    path: `/v2/${repo.path}/blobs/${digest}`,
    scopes: [repositoryScope(repo.path, ['pull'])],
    ok: [200, 404],
    what: `HEAD blob ${label(repo, digest)}`,
    signal,
  });
  res.body.resume();
  return res.status === 200;
}

/**
 * Uploads a blob: a cross-repository mount when one of `mountFrom` has it, else one PUT for small
 * blobs, else PATCH chunks. A failed chunk is resumed from the offset the registry reports for the
 * upload session (GET on the upload URL), not from the start.
 */
export async function uploadBlob(
  repo: Repository,
  blob: BlobRef,
  source: BlobSource,
  options: BlobUploadOptions = {},
): Promise<BlobUploadResult> {
  const retry = retryDefaults(options.retry);
  const what = `upload of blob ${label(repo, blob.digest)}`;
  for (const from of options.mountFrom ?? []) {
    if (from === repo.path) continue;
    const started = await startUpload(repo, options, { mount: blob.digest, from });
    if (started.mounted) return { outcome: 'mounted', from };
    await cancelUpload(repo, started.location, options.signal);
  }
  if (blob.size <= (options.monolithicMax ?? 16 * MiB)) {
    await withRetry(
      async () => {
        const { location } = await startUpload(repo, options);
        const res = await repo.endpoint.request({
          method: 'PUT',
          path: location,
          query: { digest: blob.digest },
          headers: { 'content-type': 'application/octet-stream', 'content-length': String(blob.size) },
          body: async () => counted(await source(0), 0, options.onBytes),
          scopes: pushScopes(repo),
          ok: [201, 204],
          notFound: 'ERR_BLOB_UPLOAD_INVALID',
          what,
          signal: options.signal,
          retry: false,
        });
        res.body.resume();
      },
      { ...retry, signal: options.signal, onRetry: (info) => options.onRetry?.({ ...info, done: 0 }) },
    );
    return { outcome: 'uploaded' };
  }

  const chunkSize = Math.max(1, options.chunkSize ?? 16 * MiB);
  let { location } = await startUpload(repo, options);
  let offset = 0;
  let failures = 0;
  while (offset < blob.size) {
    const length = Math.min(chunkSize, blob.size - offset);
    const start = offset;
    try {
      const res = await repo.endpoint.request({
        method: 'PATCH',
        path: location,
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(length),
          'content-range': `${start}-${start + length - 1}`,
        },
        body: async () => counted(await source(start, length), start, options.onBytes),
        scopes: pushScopes(repo),
        ok: [202, 204],
        notFound: 'ERR_BLOB_UPLOAD_INVALID',
        what,
        signal: options.signal,
        retry: false,
      });
      res.body.resume();
      location = res.headers.location ?? location;
      offset = start + length;
      failures = 0;
    } catch (err) {
      if (isAbort(err) || options.signal?.aborted) throw err;
      const delayMs = isRegistryError(err, 'ERR_BLOB_UPLOAD_INVALID')
        ? retry.minDelayMs
        : retryDelay(err, failures, retry);
      if (delayMs === undefined || failures >= retry.retries) throw err;
      failures++;
      options.onRetry?.({ attempt: failures, delayMs, error: err, done: start });
      await sleep(delayMs, undefined, { signal: options.signal });
      // Ask the registry how much of the session it kept, and go on from there.
      try {
        const status = await repo.endpoint.request({
          method: 'GET',
          path: location,
          scopes: pushScopes(repo),
          ok: [204, 200],
          notFound: 'ERR_BLOB_UPLOAD_INVALID',
          what: `status of ${what}`,
          signal: options.signal,
        });
        status.body.resume();
        location = status.headers.location ?? location;
        offset = rangeEnd(status.headers.range) ?? 0;
      } catch (statusErr) {
        if (!isRegistryError(statusErr, 'ERR_BLOB_UPLOAD_INVALID')) throw statusErr;
        ({ location } = await startUpload(repo, options)); // the session is gone: start a new one
        offset = 0;
      }
    }
  }
  const res = await repo.endpoint.request({
    method: 'PUT',
    path: location,
    query: { digest: blob.digest },
    headers: { 'content-length': '0' },
    scopes: pushScopes(repo),
    ok: [201, 204],
    notFound: 'ERR_BLOB_UPLOAD_INVALID',
    what,
    signal: options.signal,
  });
  res.body.resume();
  return { outcome: 'uploaded' };
}

function pushScopes(repo: Repository, from?: string): string[] {
  const scopes = [repositoryScope(repo.path, ['pull', 'push'])];
  if (from) scopes.push(repositoryScope(from, ['pull']));
  return scopes;
}

async function startUpload(
  repo: Repository,
  options: BlobUploadOptions,
  mount?: { mount: string; from: string },
): Promise<{ location: string; mounted: boolean }> {
  const what = `start upload to ${label(repo)}`;
  const res = await repo.endpoint.request({
    method: 'POST',
    path: `/v2/${repo.path}/blobs/uploads/`,
    query: mount,
    headers: { 'content-length': '0' },
    scopes: pushScopes(repo, mount?.from),
    ok: [201, 202],
    notFound: 'ERR_NAME_UNKNOWN',
    what,
    signal: options.signal,
  });
  res.body.resume();
  const location = res.headers.location;
  if (res.status === 201 && mount) return { location: location ?? '', mounted: true };
  if (!location) throw new RegistryError('ERR_REGISTRY_PROTOCOL', `${what}: no Location in the answer`);
  return { location, mounted: false };
}

async function cancelUpload(repo: Repository, location: string, signal?: AbortSignal): Promise<void> {
  try {
    const res = await repo.endpoint.request({
      method: 'DELETE',
      path: location,
      scopes: pushScopes(repo),
      ok: [204, 200, 202, 404],
      what: `cancel upload to ${label(repo)}`,
      signal,
      retry: false,
    });
    res.body.resume();
  } catch {
    // An unused session expires on its own.
  }
}

/**
 * `0-1234` (the Range of an upload status) → the next offset, 1235. distribution writes `0-0` for an
 * empty session too, so that one counts as nothing received (a wrong guess costs one 416 and a resync).
 */
function rangeEnd(value: string | undefined): number | undefined {
  const m = /^(?:bytes=)?\d+-(\d+)$/.exec(value?.trim() ?? '');
  if (!m) return undefined;
  const end = Number(m[1]);
  return end === 0 ? 0 : end + 1;
}

function counted(stream: Readable, base: number, onBytes?: (done: number) => void): Readable {
  if (!onBytes) return stream;
  let done = base;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      done += chunk.length;
      onBytes(done);
      cb(null, chunk);
    },
  });
  stream.on('error', (err) => counter.destroy(err));
  return stream.pipe(counter);
}
