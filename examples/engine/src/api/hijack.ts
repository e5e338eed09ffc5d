import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { RequestContext } from './router.js';

/** Docker's media types for hijacked streams: multiplexed (no TTY) or raw (TTY). */
export const RAW_STREAM = 'application/vnd.docker.raw-stream';
export const MULTIPLEXED_STREAM = 'application/vnd.docker.multiplexed-stream';

/**
 * Takes the connection over for a raw bidirectional stream (attach, exec start), as Docker does:
 * `101 UPGRADED` when the client sent `Upgrade: tcp`, else a `200 OK` head after which the socket
 * carries the stream in both directions.
 */
export function hijack(ctx: RequestContext, contentType: string): Duplex {
  const socket = (ctx.upgrade?.socket ?? ctx.req.socket) as Socket;
  ctx.res.detachSocket(socket);
  // The response object must not write on the socket any more.
  Object.defineProperty(ctx.res, 'headersSent', { value: true });
  const head = ctx.upgrade
    ? `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n`
    : `HTTP/1.1 200 OK\r\nContent-Type: ${contentType}\r\n`;
  socket.write(`${head}Api-Version: ${ctx.version}\r\n\r\n`);
  socket.setNoDelay?.(true);
  if (ctx.upgrade?.head.length) socket.unshift(ctx.upgrade.head);
  return socket;
}

/** Docker's stdcopy framing: 8-byte header (stream id, 3 zero bytes, big-endian length), then the bytes. */
export function frame(stream: 0 | 1 | 2, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}
