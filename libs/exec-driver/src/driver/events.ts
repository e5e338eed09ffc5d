import type { CgroupManager, Container, ExitStatus, OomWatch } from '@berth/libcontainer';

/** What happens to a container, as `events()` reports it. */
export type ContainerEvent =
  | { type: 'oom'; id: string; oomKills: number }
  | { type: 'exit'; id: string; status: ExitStatus };

/**
 * Yields OOM kills and the exit of one container, then ends. OOM: on cgroup v2 as the kernel
 * reports them (memory.events); on v1 (no eventfd in Node) once, at exit, when the cgroup's
 * oom_kill counter has grown since the watch began.
 */
export async function* watchEvents(
  id: string,
  container: Container,
  manager: CgroupManager | undefined,
  signal?: AbortSignal,
): AsyncGenerator<ContainerEvent> {
  const queue: ContainerEvent[] = [];
  let wake: (() => void) | undefined;
  const push = (e: ContainerEvent) => {
    queue.push(e);
    wake?.();
  };
  let baseline = 0;
  let oomWatch: OomWatch | undefined;
  try {
    baseline = manager?.oomKillCount() ?? 0;
  } catch {
    baseline = 0;
  }
  if (manager?.version === 2) {
    try {
      oomWatch = manager.watchOom((oomKills) => push({ type: 'oom', id, oomKills }));
    } catch {
      oomWatch = undefined;
    }
  }
  let ended = false;
  container.wait().then(
    (status) => {
      if (!oomWatch) {
        let count = baseline;
        try {
          count = manager?.oomKillCount() ?? baseline;
        } catch {
          // cgroup gone
        }
        if (count > baseline) push({ type: 'oom', id, oomKills: count });
      }
      push({ type: 'exit', id, status });
      ended = true;
      wake?.();
    },
    () => {
      ended = true;
      wake?.();
    },
  );
  const onAbort = () => {
    ended = true;
    wake?.();
  };
  signal?.addEventListener('abort', onAbort);
  try {
    for (;;) {
      while (queue.length) {
        const e = queue.shift()!;
        yield e;
        if (e.type === 'exit') return;
      }
      if (ended || signal?.aborted) return;
      await new Promise<void>((r) => {
        wake = r;
      });
      wake = undefined;
    }
  } finally {
    oomWatch?.close();
    signal?.removeEventListener('abort', onAbort);
  }
}
