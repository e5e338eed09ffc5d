import { setTimeout as sleep } from 'node:timers/promises';
import { isRegistryError } from '../errors.js';

export interface RetryOptions {
  /** How many times a failed request is tried again (default 4). */
  retries?: number;
  /** First backoff delay in ms (default 250); it doubles each time, with jitter. */
  minDelayMs?: number;
  /** Longest backoff delay in ms (default 8000). */
  maxDelayMs?: number;
  /** Longest Retry-After the client is willing to honour, in ms (default 60000); longer fails at once. */
  maxRetryAfterMs?: number;
}

export interface RetryInfo {
  attempt: number;
  delayMs: number;
  error: unknown;
}

const DEFAULTS: Required<RetryOptions> = {
  retries: 4,
  minDelayMs: 250,
  maxDelayMs: 8000,
  maxRetryAfterMs: 60_000,
};

export function retryDefaults(options?: RetryOptions): Required<RetryOptions> {
  return { ...DEFAULTS, ...options };
}

/**
 * Runs `fn`, trying again after a retryable RegistryError (429, 5xx, dropped connection): waits what
 * Retry-After says when the registry said it, else exponential backoff with jitter.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions & { signal?: AbortSignal; onRetry?: (info: RetryInfo) => void } = {},
): Promise<T> {
  const o = retryDefaults(options);
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const delayMs = retryDelay(err, attempt, o);
      if (delayMs === undefined || attempt >= o.retries || options.signal?.aborted) throw err;
      options.onRetry?.({ attempt: attempt + 1, delayMs, error: err });
      await sleep(delayMs, undefined, { signal: options.signal });
    }
  }
}

/** The wait before the next try, or undefined when `err` is not worth retrying. */
export function retryDelay(err: unknown, attempt: number, o: Required<RetryOptions>): number | undefined {
  if (!isRegistryError(err) || !err.retryable) return undefined;
  if (err.retryAfterMs !== undefined) {
    return err.retryAfterMs <= o.maxRetryAfterMs ? err.retryAfterMs : undefined;
  }
  const base = Math.min(o.maxDelayMs, o.minDelayMs * 2 ** attempt);
  return Math.round(base / 2 + (Math.random() * base) / 2);
}

/** Parses Retry-After (delay seconds or an HTTP date) into milliseconds from `now`. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const when = Date.parse(trimmed);
  return Number.isNaN(when) ? undefined : Math.max(0, when - now);
}
