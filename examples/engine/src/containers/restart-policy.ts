import { match } from 'ts-pattern';
import type { ContainerRecord } from './container-record.js';

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 60_000;
/** A run at least this long counts as healthy: the backoff starts over (Docker's rule). */
const HEALTHY_RUN_MS = 10_000;

/** Docker's restart manager: whether an exit restarts the container. */
export function shouldRestart(record: ContainerRecord, exitCode: number): boolean {
  const policy = record.hostConfig.RestartPolicy;
  return match(policy.Name)
    .with('always', () => true)
    .with('unless-stopped', () => !record.state.ManuallyStopped)
    .with('on-failure', () => {
      if (exitCode === 0) return false;
      return policy.MaximumRetryCount === 0 || record.restartCount < policy.MaximumRetryCount;
    })
    .with('', 'no', () => false)
    .exhaustive();
}

/** The delay before the next restart: 100 ms doubling per restart, back to 100 ms after a healthy run. */
export function nextDelay(previousMs: number | undefined, ranForMs: number): number {
  if (previousMs === undefined || ranForMs >= HEALTHY_RUN_MS) return FIRST_DELAY_MS;
  return Math.min(previousMs * 2, MAX_DELAY_MS);
}
