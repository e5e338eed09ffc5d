import type { ApiClient } from '../api-client.js';
import { readText } from '../api-client.js';
import { CliError } from '../errors.js';

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface ExitWatch {
  /** Settles once the daemon has the wait request (it sends the answer's head right away). */
  registered: Promise<void>;
  /** The container's exit code. */
  exitCode: Promise<number>;
}

/** How long to wait for the answer's head before trusting the request is registered anyway. */
const REGISTER_GRACE_MS = 1000;

/**
 * `POST /containers/{id}/wait` sent before the container starts, so that a quick exit is not missed:
 * the daemon answers the head at once and the body (`{StatusCode}`) when the condition is met.
 */
export function watchExit(client: ApiClient, id: string, condition: WaitCondition): ExitWatch {
  const response = client.request('POST', `/containers/${encodeURIComponent(id)}/wait`, {
    query: { condition },
  });
  const exitCode = response.then(async (res) => {
    const text = await readText(res);
    const result = JSON.parse(text) as { StatusCode: number; Error?: { Message?: string } | null };
    if (result.Error?.Message) throw new CliError(result.Error.Message);
    return result.StatusCode;
  });
  exitCode.catch(() => undefined); // observed by the caller later; never an unhandled rejection
  const registered = Promise.race([
    response.then(() => undefined),
    new Promise<void>((resolve) => setTimeout(resolve, REGISTER_GRACE_MS).unref()),
  ]);
  return { registered: registered.catch(() => undefined), exitCode };
}
