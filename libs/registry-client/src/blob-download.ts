import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { repositoryScope } from './auth/bearer-token.js';
import type { BlobRef } from './content-store.js';
import { isAbort, RegistryError, transportError } from './errors.js';
import { label, type Repository } from './manifests.js';
import { type RetryInfo, type RetryOptions, retryDefaults, retryDelay } from './transport/retry.js';

export interface BlobDownloadOptions {
  signal?: AbortSignal;
  retry?: RetryOptions;
  /** Bytes received so far (after a resume, counting what came before). */
  onBytes?: (done: number) => void;
  /** A transfer broke (or the registry was busy) and goes on from `done`. */
  onRetry?: (info: RetryInfo & { done: number }) => void;
}

/**
 * The bytes of a blob as a stream with backpressure. When the connection drops mid-blob the download
 * goes on with an HTTP Range request from the first missing byte instead of starting over (a registry
 * that ignores Range gets its first bytes skipped). The bytes are NOT verified here: pipe them into a
 * verifier or a ContentStore, which checks digest and size.
 */
export function downloadBlob(repo: Repository, blob: BlobRef, options: BlobDownloadOptions = {}): Readable {
  // Object mode: chunks pass through as undici delivers them, never concatenated or copied.
  return Readable.from(resumableChunks(repo, blob, options), { highWaterMark: 4 });
}

async function* resumableChunks(
  repo: Repository,
  blob: BlobRef,
  options: BlobDownloadOptions,
): AsyncGenerator<Buffer> {
  const retry = retryDefaults(options.retry);
  const what = `GET blob ${label(repo, blob.digest)}`;
  let done = 0;
  let failures = 0;
  let doneAtLastFailure = -1;
  for (;;) {
    const res = await repo.endpoint.request({
      method: 'GET',
      path: `/v2/${repo.path}/blobs/${blob.digest}`,
      headers: done > 0 ? { range: `bytes=${done}-` } : {},
      scopes: [repositoryScope(repo.path, ['pull'])],
      ok: [200, 206],
      notFound: 'ERR_BLOB_UNKNOWN',
      what,
      signal: options.signal,
      onRetry: (info) => options.onRetry?.({ ...info, done }),
    });
    let skip = 0;
    if (done > 0) {
      const start = res.status === 206 ? contentRangeStart(res.headers['content-range']) : 0;
      if (start === undefined || start > done) {
        res.body.destroy();
        throw new RegistryError(
          'ERR_REGISTRY_PROTOCOL',
          `${what}: the registry answered a range request badly`,
        );
      }
      skip = done - start;
    }
    try {
      for await (const raw of res.body) {
        let chunk = raw as Buffer;
        if (skip > 0) {
          if (chunk.length <= skip) {
            skip -= chunk.length;
            continue;
          }
          chunk = chunk.subarray(skip);
          skip = 0;
        }
        done += chunk.length;
        options.onBytes?.(done);
        yield chunk;
      }
      if (done >= blob.size) return;
      throw new RegistryError('ERR_REGISTRY_UNAVAILABLE', `${what}: the body ended after ${done} bytes`, {
        retryable: true,
      });
    } catch (err) {
      res.body.destroy();
      if (isAbort(err) || options.signal?.aborted) throw err;
      const failure = transportError(err, what);
      if (done > doneAtLastFailure) failures = 0; // progress was made: a fresh budget of retries
      doneAtLastFailure = done;
      const delayMs = retryDelay(failure, failures, retry);
      if (delayMs === undefined || failures >= retry.retries) throw failure;
      failures++;
      options.onRetry?.({ attempt: failures, delayMs, error: failure, done });
      await sleep(delayMs, undefined, { signal: options.signal });
    }
  }
}

function contentRangeStart(value: string | undefined): number | undefined {
  const m = /^bytes\s+(\d+)-\d+\/(\d+|\*)$/i.exec(value?.trim() ?? '');
  return m ? Number(m[1]) : undefined;
}
