import type { RequestContext } from '../api/router.js';

/**
 * The JSON body of a request that asked to hijack the connection (`Upgrade: tcp`): Node hands
 * such requests over unparsed, so the body is the first Content-Length bytes after the headers.
 * What follows stays in `ctx.upgrade.head` for the stream.
 */
export async function readUpgradeBody(ctx: RequestContext): Promise<unknown> {
  const upgrade = ctx.upgrade;
  if (!upgrade) return undefined;
  const length = Number(ctx.req.headers['content-length'] ?? 0);
  if (!length) return {};
  let buffered = upgrade.head;
  while (buffered.length < length) {
    const chunk = await new Promise<Buffer | null>((resolve) => {
      const onData = (d: Buffer) => {
        cleanup();
        resolve(d);
      };
      const onEnd = () => {
        cleanup();
        resolve(null);
      };
      const cleanup = () => {
        upgrade.socket.off('data', onData);
        upgrade.socket.off('end', onEnd);
        upgrade.socket.pause();
      };
      upgrade.socket.on('data', onData);
      upgrade.socket.once('end', onEnd);
      upgrade.socket.resume();
    });
    if (!chunk) break;
    buffered = Buffer.concat([buffered, chunk]);
  }
  upgrade.head = buffered.subarray(length);
  const text = buffered.subarray(0, length).toString('utf8').trim();
  return text ? JSON.parse(text) : {};
}
