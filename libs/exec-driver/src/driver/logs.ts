import { watch } from 'node:fs';
import { open } from 'node:fs/promises';

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

/** Reads a json-file log; with `follow`, watches it (inotify) until the container is done. */
export async function* readLogFile(path: string, options: LogReadOptions): AsyncGenerator<LogEntry> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  const tryOpen = async () => {
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  };
  await tryOpen();
  let position = 0;
  let partial = '';
  const readMore = async (): Promise<LogEntry[]> => {
    if (!handle) await tryOpen();
    if (!handle) return [];
    const out: LogEntry[] = [];
    const buf = Buffer.alloc(65536);
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      partial += buf.subarray(0, bytesRead).toString('utf8');
    }
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
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
    return out;
  };
  try {
    let first = await readMore();
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
