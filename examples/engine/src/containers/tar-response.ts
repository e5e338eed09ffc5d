import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RequestContext } from '../api/router.js';
import type { Daemon } from '../daemon/daemon.js';

/**
 * Streams a tar as the response body, headers already written. A failure halfway cuts the
 * connection: a tar has no error frame, and a cut is what makes the client see a short archive
 * rather than take a truncated one for whole.
 */
export async function sendTar(
  daemon: Daemon,
  ctx: RequestContext,
  tar: AsyncGenerator<Buffer>,
): Promise<void> {
  try {
    await pipeline(Readable.from(tar), ctx.res);
  } catch (err) {
    ctx.res.destroy();
    if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE')
      daemon.logger.warn(`${ctx.req.method} ${ctx.req.url}: tar stream failed: ${(err as Error).message}`);
  }
}
