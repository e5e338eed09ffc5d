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
  // Object mode: chunks pass through as the HTTP client delivers them, never concatenated or copied.
  return Readable.from(blobChunks(repo, blob, options), { highWaterMark: 4 });
}

/**
 * The same bytes as `downloadBlob`, as the chunks the HTTP client received (views of socket reads, never
 * concatenated). Pulling from the generator is the backpressure: when the consumer stops, at most
 * BODY_QUEUE_BYTES wait and the connection is paused. Returning early closes the response.
 */
export async function* blobChunks(
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
      for await (const raw of bodyChunks(res.body)) {
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

/** Bytes of a response body that may wait for a slow consumer before the socket is paused. */
const BODY_QUEUE_BYTES = 512 * 1024;

/**
 * A body's chunks one by one. `for await` on the stream itself calls read(), which concatenates
 * whatever is buffered into a new Buffer (a copy of every byte when the consumer lags); flowing
 * mode hands out each chunk as it arrived. The body is destroyed if the consumer stops early.
 */
async function* bodyChunks(body: Readable): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let head = 0;
  let queued = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onData = (chunk: Buffer) => {
    queue.push(chunk);
    queued += chunk.length;
    if (queued >= BODY_QUEUE_BYTES) body.pause();
    notify();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  const onError = (error: unknown) => {
    failure ??= { error };
    notify();
  };
  const onClose = () => {
    if (!ended) failure ??= { error: prematureClose() };
    notify();
  };
  body.on('data', onData);
  body.on('end', onEnd);
  body.on('error', onError);
  body.on('close', onClose);
  try {
    for (;;) {
      if (head < queue.length) {
        const chunk = queue[head]!;
        queue[head++] = undefined as unknown as Buffer;
        if (head === queue.length) {
          queue.length = 0;
          head = 0;
        }
        queued -= chunk.length;
        if (queued < BODY_QUEUE_BYTES / 2 && body.isPaused() && !ended) body.resume();
        yield chunk;
        continue;
      }
      if (failure) throw failure.error;
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    body.off('data', onData);
    body.off('end', onEnd);
    body.off('error', onError);
    body.off('close', onClose);
    if (!ended) {
      body.on('error', () => undefined);
      body.destroy();
    }
  }
}

function prematureClose(): Error {
  return Object.assign(new Error('the response body closed before its end'), {
    code: 'ERR_STREAM_PREMATURE_CLOSE',
  });
}
