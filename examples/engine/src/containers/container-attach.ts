import type { Attachment } from '@berth/exec-driver';
import { readLogFile } from '@berth/exec-driver';
import { badRequest } from '../api/api-error.js';
import { frame, hijack, MULTIPLEXED_STREAM, RAW_STREAM } from '../api/hijack.js';
import { queryBool } from '../api/request-body.js';
import type { RequestContext } from '../api/router.js';
import { keepsLog, logConfigOf } from '../logging/log-config.js';
import type { ContainerService } from './container-service.js';
import { bridgeStdio, parseDetachKeys } from './stdio-bridge.js';
import { readUpgradeBody } from './upgrade-body.js';

/**
 * `POST /containers/{id}/attach`: the container's stdio over the hijacked connection. Before a
 * start (as `docker run` does it), the stream connects when the start creates the container.
 */
export async function attachContainer(
  service: ContainerService,
  idOrName: string,
  ctx: RequestContext,
): Promise<void> {
  const record = service.store.resolve(idOrName);
  const { query } = ctx;
  const wants = {
    stdin: queryBool(query, 'stdin') && record.config.OpenStdin,
    stdout: queryBool(query, 'stdout'),
    stderr: queryBool(query, 'stderr'),
    stream: queryBool(query, 'stream'),
    logs: queryBool(query, 'logs'),
  };
  let detachKeys: Buffer;
  try {
    detachKeys = parseDetachKeys(query.get('detachKeys'));
  } catch (err) {
    throw badRequest((err as Error).message);
  }
  const tty = record.config.Tty;
  // Some clients (dockerode) send their options as a body too: it is not stdin.
  await readUpgradeBody(ctx).catch(() => undefined);
  const socket = hijack(ctx, tty ? RAW_STREAM : MULTIPLEXED_STREAM);
  service.emit(record, 'attach');
  // With the none driver there is no history to replay, only the live stream.
  if (wants.logs && keepsLog(logConfigOf(record.hostConfig))) {
    const abort = new AbortController();
    for await (const line of readLogFile(service.logPathOf(record.id), {
      follow: false,
      done: Promise.resolve(),
      signal: abort.signal,
    })) {
      if ((line.stream === 'stdout' && !wants.stdout) || (line.stream === 'stderr' && !wants.stderr))
        continue;
      const bytes = Buffer.from(line.log);
      socket.write(tty ? bytes : frame(line.stream === 'stdout' ? 1 : 2, bytes));
    }
  }
  if (!wants.stream) {
    socket.end();
    return;
  }
  let attachment: Attachment | undefined;
  const current = service.store.get(record.id);
  if (current?.state.Status === 'running' || current?.state.Status === 'paused') {
    attachment = await service.daemon.exec.attach(record.id).catch(() => undefined);
  } else if (current && current.state.Status !== 'removing') {
    attachment = await new Promise<Attachment | undefined>((resolve) => {
      const cancel = service.awaitStart(record.id, resolve);
      socket.once('close', () => {
        cancel();
        resolve(undefined);
      });
    });
  }
  if (!attachment) {
    if (!socket.destroyed) socket.end();
    return;
  }
  await bridgeStdio(socket, attachment, {
    tty,
    stdin: wants.stdin,
    stdout: wants.stdout,
    stderr: wants.stderr,
    closeStdin: record.config.StdinOnce,
    detachKeys: wants.stdin ? detachKeys : null,
  });
  if (!socket.destroyed) socket.end();
}
