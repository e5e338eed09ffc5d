import { isLibcontainerError, LibcontainerError } from '../errors.js';
import { Pidfd } from '../process/pidfd.js';

/**
 * SIGKILL through pidfds: a handle opened while the process is alive (or frozen) cannot hit a
 * later process that reuses the PID, and its exit is an event (epoll), not something to poll.
 */

/** Opens handles on the processes still alive; the gone ones are skipped. */
export function openHandles(pids: number[]): Pidfd[] {
  const out: Pidfd[] = [];
  for (const pid of pids) {
    try {
      out.push(Pidfd.open(pid));
    } catch (err) {
      if (!isLibcontainerError(err) || err.errnoCode !== 'ESRCH') throw err;
    }
  }
  return out;
}

export function killHandles(handles: Pidfd[]): void {
  for (const h of handles) {
    try {
      h.signal('SIGKILL');
    } catch (err) {
      if (!isLibcontainerError(err) || err.errnoCode !== 'ESRCH') throw err;
    }
  }
}

/** Resolves once every process has exited; closes the handles either way. */
export async function waitHandles(handles: Pidfd[], timeoutMs: number, where: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new LibcontainerError(
            'ERR_CGROUP',
            `processes in ${where} did not exit within ${timeoutMs} ms of SIGKILL`,
            { path: where },
          ),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([Promise.all(handles.map((h) => h.exited())), timeout]);
  } finally {
    clearTimeout(timer);
    for (const h of handles) h.close();
  }
}
