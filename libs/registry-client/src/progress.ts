import type { Descriptor } from '@berth/image-spec';

/** Which part of an image a blob event is about. */
export type BlobRole = 'config' | 'layer' | 'manifest';

/** The connection broke or the registry was busy; the transfer goes on from `done` after `delayMs`. */
export interface BlobRetryEvent {
  type: 'retrying';
  role: BlobRole;
  digest: string;
  done: number;
  attempt: number;
  delayMs: number;
  reason: string;
}

/** The retrying event of a pull or push, from what the transfer reported. */
export function retryEvent(
  role: BlobRole,
  digest: string,
  info: { done: number; attempt: number; delayMs: number; error: unknown },
): BlobRetryEvent {
  const { done, attempt, delayMs, error } = info;
  return {
    type: 'retrying',
    role,
    digest,
    done,
    attempt,
    delayMs,
    reason: error instanceof Error ? error.message : String(error),
  };
}

/** Events about one blob of a pull, in order: waiting → (exists | downloading… → verifying → done). */
export type PullBlobEvent =
  | { type: 'waiting'; role: BlobRole; digest: string; size: number }
  /** Already in the store: skipped. */
  | { type: 'exists'; role: BlobRole; digest: string; size: number }
  | { type: 'downloading'; role: BlobRole; digest: string; done: number; total: number }
  | BlobRetryEvent
  | { type: 'verifying'; role: BlobRole; digest: string }
  | { type: 'done'; role: BlobRole; digest: string; size: number };

export type PullEvent =
  | { type: 'resolved'; reference: string; descriptor: Descriptor; endpoint: string }
  /** A mirror failed; the pull moves on to the next endpoint. */
  | { type: 'fallback'; from: string; to: string; reason: string }
  | PullBlobEvent
  | { type: 'tagged'; name: string; descriptor: Descriptor };

/** Events about one blob of a push: waiting → (exists | mounted | uploading… → done). */
export type PushBlobEvent =
  | { type: 'waiting'; role: BlobRole; digest: string; size: number }
  | { type: 'exists'; role: BlobRole; digest: string; size: number }
  | { type: 'mounted'; role: BlobRole; digest: string; size: number; from: string }
  | { type: 'uploading'; role: BlobRole; digest: string; done: number; total: number }
  | BlobRetryEvent
  | { type: 'done'; role: BlobRole; digest: string; size: number };

export type PushEvent = PushBlobEvent | { type: 'manifest'; reference: string; descriptor: Descriptor };

/** Calls `fn` at most every `intervalMs` (and always when `force`). */
export function throttle<A extends unknown[]>(fn: (...args: A) => void, intervalMs = 100) {
  let last = 0;
  return (force: boolean, ...args: A) => {
    const now = Date.now();
    if (force || now - last >= intervalMs) {
      last = now;
      fn(...args);
    }
  };
}
