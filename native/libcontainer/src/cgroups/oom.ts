import { watch } from 'node:fs';
import { join } from 'node:path';
import { LibcontainerError } from '../errors.js';
import { parseFlatKeyed, readCgroupFile, readOptional } from './files.js';

/** OOM kills: counters on both versions, an event only on v2. */

export interface OomWatch {
  close(): void;
}

function oomKillField(file: string, text: string): number {
  const n = parseFlatKeyed(text).get('oom_kill');
  if (n === undefined) {
    throw new LibcontainerError('ERR_CGROUP', `${file} has no oom_kill field (kernel older than 4.13?)`, {
      path: file,
    });
  }
  return n;
}

/** v1: the `oom_kill` line of memory.oom_control (counts this cgroup and its children). */
export function oomKillsV1(memoryDir: string): number {
  const file = join(memoryDir, 'memory.oom_control');
  return oomKillField(file, readCgroupFile(file));
}

/** v2: the `oom_kill` line of memory.events (hierarchical since 5.2 unless memory_localevents). */
export function oomKillsV2(dir: string): number {
  const file = join(dir, 'memory.events');
  return oomKillField(file, readCgroupFile(file));
}

/**
 * v2: calls back with the new total each time oom_kill grows. The kernel raises an inotify
 * modify event on memory.events when a counter changes, so nothing is polled. The watch ends
 * with close() or when the cgroup is removed.
 */
export function watchOomV2(dir: string, callback: (oomKills: number) => void): OomWatch {
  const file = join(dir, 'memory.events');
  let last = oomKillsV2(dir);
  const watcher = watch(file, () => {
    let now: number;
    try {
      const text = readOptional(file);
      if (text === undefined) return watcher.close(); // the cgroup was removed
      now = oomKillField(file, text);
    } catch {
      return watcher.close();
    }
    if (now > last) {
      last = now;
      callback(now);
    }
  });
  watcher.on('error', () => watcher.close());
  return { close: () => watcher.close() };
}
