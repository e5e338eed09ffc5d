import { watch } from 'node:fs';
import { open } from 'node:fs/promises';

/** One line of a Docker json-file log. */
export interface LogEntry {
  stream: 'stdout' | 'stderr';
  log: string;
  /** RFC 3339 with nanoseconds. */
  time: string;
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

/** Reads a json-file log; with `follow`, watches it (inotify) until `done` resolves. */
export async function* readLogs(
  path: string,
  options: LogOptions,
  done: () => Promise<void>,
): AsyncGenerator<LogEntry> {
  const since = options.since ? new Date(options.since).toISOString() : undefined;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    if (!options.follow) return;
    await done();
    try {
      handle = await open(path, 'r');
    } catch {
      return;
    }
  }
  let position = 0;
  let partial = '';
  const readMore = async (): Promise<LogEntry[]> => {
    const out: LogEntry[] = [];
    for (;;) {
      const buf = Buffer.alloc(65536);
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
        const e = JSON.parse(line) as LogEntry;
        // Nanosecond timestamps compare as strings once both are in the same form.
        if (since && e.time.slice(0, 23) < since.slice(0, 23)) continue;
        out.push(e);
      } catch {
        // a torn line; skip it
      }
    }
    return out;
  };
  try {
    let first = await readMore();
    if (options.tail !== undefined) first = options.tail <= 0 ? [] : first.slice(-options.tail);
    yield* first;
    if (!options.follow) return;
    let wake: (() => void) | undefined;
    let finished = false;
    const watcher = watch(path, () => wake?.());
    const onAbort = () => {
      finished = true;
      wake?.();
    };
    options.signal?.addEventListener('abort', onAbort);
    done().then(
      () => {
        finished = true;
        wake?.();
      },
      () => {
        finished = true;
        wake?.();
      },
    );
    try {
      while (!options.signal?.aborted) {
        const more = await readMore();
        yield* more;
        if (finished) {
          yield* await readMore();
          return;
        }
        if (more.length === 0)
          await new Promise<void>((r) => {
            wake = r;
          });
        wake = undefined;
      }
    } finally {
      watcher.close();
      options.signal?.removeEventListener('abort', onAbort);
    }
  } finally {
    await handle.close();
  }
}
