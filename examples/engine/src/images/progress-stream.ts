import type { ServerResponse } from 'node:http';
import { toApiError } from '../api/api-error.js';
import { startJsonStream } from '../api/response.js';
import type { Daemon } from '../daemon/daemon.js';
import { errorMessage, type ProgressMessage } from './progress-message.js';

/**
 * A progress answer that starts with its first message, as dockerd's: a failure before any
 * message is a plain HTTP error, a failure after it goes in the stream.
 */
export class ProgressStream {
  #send: ((message: unknown) => void) | undefined;

  constructor(readonly res: ServerResponse) {}

  get started(): boolean {
    return this.#send !== undefined;
  }

  send = (message: ProgressMessage): void => {
    this.#send ??= startJsonStream(this.res);
    this.#send(message);
  };

  /** Runs the work; rethrows failures that can still be an HTTP error, reports the others in-stream. */
  async run(work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      if (!this.started) throw err;
      this.send(errorMessage(toApiError(err).message));
    }
    if (!this.res.writableEnded) this.res.end();
  }
}

/** Aborts when the client goes away or the daemon shuts down; call the returned `done` when finished. */
export function requestSignal(
  res: ServerResponse,
  daemon: Daemon,
): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) controller.abort(new Error('the client went away'));
  };
  res.on('close', onClose);
  return {
    signal: AbortSignal.any([controller.signal, daemon.shutdown.signal]),
    done: () => res.off('close', onClose),
  };
}
