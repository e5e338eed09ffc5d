import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';

/** How a container's (or exec'd) process ended, as the monitor recorded it. */
export interface ExitStatus {
  /** The exit code, or 128 + the signal number when killed by a signal (as Docker reports). */
  exitCode: number;
  /** The signal that killed it, as a name (`SIGKILL`), or null. */
  signal: NodeJS.Signals | null;
  /** False when the process ended before its program was started. */
  started: boolean;
  finishedAt: string;
}

let signalNames: Map<number, NodeJS.Signals> | undefined;
/** Built on first use: a CLI that never reads an exit status does not load node:os for it. */
function signalName(n: number): NodeJS.Signals | undefined {
  signalNames ??= new Map(
    Object.entries(constants.signals).map(([name, num]) => [num, name as NodeJS.Signals]),
  );
  return signalNames.get(n);
}

export function parseExitStatus(text: string): ExitStatus {
  const raw = JSON.parse(text) as {
    exitCode: number;
    signal: number | null;
    started: boolean;
    finishedAt: string;
  };
  return {
    exitCode: raw.exitCode,
    signal: raw.signal === null ? null : (signalName(raw.signal) ?? (`SIG${raw.signal}` as NodeJS.Signals)),
    started: raw.started,
    finishedAt: raw.finishedAt,
  };
}

/** The status file the monitor writes atomically when the process has exited; undefined before. */
export async function readExitStatus(stateDir: string): Promise<ExitStatus | undefined> {
  try {
    return parseExitStatus(await readFile(join(stateDir, 'exit.json'), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The same, read synchronously: for status checks, which happen on every operation and
 * cost less this way than a threadpool round trip. (wait() keeps the asynchronous read:
 * attached output still queued in this process gets delivered before the exit.)
 */
export function readExitStatusSync(stateDir: string): ExitStatus | undefined {
  try {
    return parseExitStatus(readFileSync(join(stateDir, 'exit.json'), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
