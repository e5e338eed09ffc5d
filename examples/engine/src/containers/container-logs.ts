import { readLogFile } from '@berth/exec-driver';
import { ApiError, badRequest } from '../api/api-error.js';
import { frame, MULTIPLEXED_STREAM, RAW_STREAM } from '../api/hijack.js';
import { queryBool } from '../api/request-body.js';
import type { RequestContext } from '../api/router.js';
import { parseEventTime } from '../events/event-bus.js';
import { keepsLog, logConfigOf } from '../logging/log-config.js';
import { isRunning } from './container-record.js';
import type { ContainerService } from './container-service.js';

/** `GET /containers/{id}/logs`: the json-file log and its rotated files, framed like attach (raw with a TTY). */
export async function streamLogs(
  service: ContainerService,
  idOrName: string,
  ctx: RequestContext,
): Promise<void> {
  const record = service.store.resolve(idOrName);
  const { query, res } = ctx;
  const stdout = queryBool(query, 'stdout');
  const stderr = queryBool(query, 'stderr');
  if (!stdout && !stderr) throw badRequest('Bad parameters: you must choose at least one stream');
  // dockerd's answer for a driver it cannot read back (none): 501.
  if (!keepsLog(logConfigOf(record.hostConfig)))
    throw new ApiError(501, 'configured logging driver does not support reading');
  const follow = queryBool(query, 'follow');
  const timestamps = queryBool(query, 'timestamps');
  const tailText = query.get('tail');
  const tail = tailText && tailText !== 'all' ? Number(tailText) : undefined;
  if (tail !== undefined && !Number.isInteger(tail)) throw badRequest(`invalid value for tail: ${tailText}`);
  const sinceText = query.get('since');
  const since = sinceText && sinceText !== '0' ? parseEventTime(sinceText) : undefined;
  const until = parseEventTime(query.get('until'));
  const tty = record.config.Tty;
  res.writeHead(200, { 'Content-Type': tty ? RAW_STREAM : MULTIPLEXED_STREAM });
  res.flushHeaders();
  const abort = new AbortController();
  res.once('close', () => abort.abort());
  const running = isRunning(service.store.get(record.id) ?? record);
  const done = running
    ? service.wait(record.id, 'next-exit', abort.signal).catch(() => undefined)
    : Promise.resolve();
  for await (const line of readLogFile(service.logPathOf(record.id), {
    follow: follow && running,
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(tail !== undefined && tail >= 0 ? { tail } : {}),
    done,
    signal: abort.signal,
  })) {
    if ((line.stream === 'stdout' && !stdout) || (line.stream === 'stderr' && !stderr)) continue;
    const text = timestamps ? `${line.time} ${line.log}` : line.log;
    const bytes = Buffer.from(text);
    if (!res.writableEnded) res.write(tty ? bytes : frame(line.stream === 'stdout' ? 1 : 2, bytes));
  }
  abort.abort();
  res.end();
}
