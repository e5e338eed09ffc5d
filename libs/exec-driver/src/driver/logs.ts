import { watch } from 'node:fs';
import { open, stat } from 'node:fs/promises';

/** One line of a Docker json-file log, as the container's monitor writes it. */
export interface LogEntry {
  stream: 'stdout' | 'stderr';
  log: string;
  /** RFC 3339 with nanoseconds. */
  time: string;
}

export interface LogReadOptions {
  follow: boolean;
  /** Unix seconds (fractional); entries before are skipped. */
  since?: number;
  /** Unix seconds; entries after are skipped (and following stops there). */
  until?: number;
  /** The last n entries that exist now; undefined for all. */
  tail?: number;
  /** Resolves when no more output can come (the container exited). */
  done: Promise<unknown>;
  signal: AbortSignal;
}

/** Seconds since the epoch of an RFC 3339 time with up to nanosecond precision. */
export function timeSeconds(time: string): number {
  const m = /\.(\d+)/.exec(time);
  const whole = Date.parse(time.replace(/\.\d+/, '')) / 1000;
  return whole + (m ? Number(`0.${m[1]}`) : 0);
}

/** The rotated files of a json-file log that exist (`<path>.1`, `.2`, …), oldest first. */
async function rotatedFiles(path: string): Promise<string[]> {
  const out: string[] = [];
  for (let i = 1; ; i++) {
    try {
      await stat(`${path}.${i}`);
    } catch {
      return out.reverse();
    }
    out.push(`${path}.${i}`);
  }
}

/**
 * Reads a json-file log, its rotated files first; with `follow`, watches it (inotify) until the
 * container is done, going on in the new file when the monitor rotates it.
 */
export async function* readLogFile(path: string, options: LogReadOptions): AsyncGenerator<LogEntry> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  let inode = 0;
  let position = 0;
  let partial = '';
  const tryOpen = async (file: string) => {
    try {
      handle = await open(file, 'r');
      inode = (await handle.stat()).ino;
      position = 0;
      partial = '';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  };
  const parse = (lines: string[], out: LogEntry[]) => {
    for (const line of lines) {
      if (!line) continue;
      try {
        const entry = JSON.parse(line) as LogEntry;
        const t = timeSeconds(entry.time);
        if (options.since !== undefined && t < options.since) continue;
        if (options.until !== undefined && t > options.until) continue;
        out.push(entry);
      } catch {
        // a torn line
      }
    }
  };
  const readToEnd = async (out: LogEntry[]) => {
    if (!handle) return;
    const buf = Buffer.alloc(65536);
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      partial += buf.subarray(0, bytesRead).toString('utf8');
    }
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    parse(lines, out);
  };
  /** New entries: the rest of the open file, then, if the log was rotated meanwhile, the new one. */
  const readMore = async (): Promise<LogEntry[]> => {
    const out: LogEntry[] = [];
    if (!handle) await tryOpen(path);
    await readToEnd(out);
    let now: { ino: number; size: number } | undefined;
    try {
      now = await stat(path);
    } catch {
      now = undefined;
    }
    if (now && handle && now.ino !== inode) {
      // Rotated: read what the old file got before it was rotated, then the new one from 0.
      await readToEnd(out);
      await handle.close();
      handle = undefined;
      await tryOpen(path);
      await readToEnd(out);
    } else if (now && handle && now.size < position) {
      // Emptied in place (one file kept): start again from its beginning.
      position = 0;
      partial = '';
      await readToEnd(out);
    }
    return out;
  };
  const earlier: LogEntry[] = [];
  for (const file of await rotatedFiles(path)) {
    await tryOpen(file);
    await readToEnd(earlier);
    await handle?.close();
    handle = undefined;
  }
  try {
    let first = [...earlier, ...(await readMore())];
    if (options.tail !== undefined) first = options.tail <= 0 ? [] : first.slice(-options.tail);
    yield* first;
    if (!options.follow || options.signal.aborted) return;
    let finished = false;
    let wake: (() => void) | undefined;
    let dirty = false;
    const poke = () => {
      dirty = true;
      wake?.();
    };
    const watcher = watch(path.replace(/\/[^/]*$/, ''), poke);
    const onAbort = () => {
      finished = true;
      poke();
    };
    options.signal.addEventListener('abort', onAbort);
    let untilTimer: NodeJS.Timeout | undefined;
    if (options.until !== undefined)
      untilTimer = setTimeout(onAbort, Math.max(0, options.until * 1000 - Date.now()));
    void options.done.then(onAbort, onAbort);
    try {
      for (;;) {
        dirty = false;
        const more = await readMore();
        yield* more;
        if (finished) {
          if (!options.signal.aborted) yield* await readMore();
          return;
        }
        if (more.length === 0 && !dirty)
          await new Promise<void>((r) => {
            wake = r;
          });
        wake = undefined;
      }
    } finally {
      watcher.close();
      clearTimeout(untilTimer);
      options.signal.removeEventListener('abort', onAbort);
    }
  } finally {
    await handle?.close();
  }
}

export interface LogOptions {
  /** Keep reading new entries until the container exits. */
  follow?: boolean;
  /** Only entries at or after this time (ISO string or Date). */
  since?: string | Date;
  /** Only the last n entries that exist now. */
  tail?: number;
  signal?: AbortSignal;
}

/** ExecDriver.logs' options over readLogFile; `done` (the container's exit) is asked for only when following. */
export function readLogs(
  path: string,
  options: LogOptions,
  done: () => Promise<unknown>,
): AsyncGenerator<LogEntry> {
  const follow = options.follow ?? false;
  return readLogFile(path, {
    follow,
    ...(options.since !== undefined ? { since: new Date(options.since).getTime() / 1000 } : {}),
    ...(options.tail !== undefined ? { tail: options.tail } : {}),
    done: follow ? done() : Promise.resolve(),
    signal: options.signal ?? new AbortController().signal,
  });
}
