import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makeWorkDir, receiveContext } from '../../build/build-context.js';
import { BuildJob } from '../../build/build-job.js';
import { buildOptionsFrom } from '../../build/build-options.js';
import { ImageBuilder } from '../../build/image-builder.js';
import type { Daemon } from '../../daemon/daemon.js';
import { containersUsing } from '../../images/image-delete.js';
import { errorMessage } from '../../images/progress-message.js';
import { ProgressStream, requestSignal } from '../../images/progress-stream.js';
import { toApiError } from '../api-error.js';
import type { RequestContext, Router } from '../router.js';

/**
 * `POST /build`: the classic builder. The body is the context (a tar, plain or gzip); the answer is
 * Docker's JSON message stream. The build is a job: if the client goes away, the running step's
 * container is killed, and whatever the build made that is not its result (containers, intermediate
 * images, its directory) is removed, on failure the result too.
 */
async function build(daemon: Daemon, ctx: RequestContext): Promise<void> {
  const options = buildOptionsFrom(ctx.query);
  const { signal, done } = requestSignal(ctx.res, daemon);
  const workDir = await makeWorkDir(daemon.config.dataRoot, randomBytes(16).toString('hex'));
  const stream = new ProgressStream(ctx.res);
  let job: BuildJob | undefined;
  let result: string | undefined;
  let failure: unknown;
  try {
    const context = await receiveContext(ctx.req, workDir, options.dockerfile, signal);
    job = new BuildJob(daemon, options, workDir, context.dir, signal, stream.send);
    result = await new ImageBuilder(job).build(context.dockerfile);
  } catch (err) {
    failure = err;
  } finally {
    done();
    // Cleaned up before the answer ends: a client that sees the end sees nothing left behind.
    if (job) await cleanUp(daemon, job, result);
    await rm(workDir, { recursive: true, force: true });
  }
  if (failure !== undefined) {
    if (!stream.started) throw failure;
    stream.send(errorMessage(toApiError(failure).message));
  }
  if (!ctx.res.writableEnded) ctx.res.end();
}

/** Removes the build's containers and its images other than the result (images a kept container uses stay). */
async function cleanUp(daemon: Daemon, job: BuildJob, result: string | undefined): Promise<void> {
  for (const id of [...job.containers]) await job.removeContainer(id);
  for (const id of [...job.images].reverse()) {
    if (id === result || containersUsing(daemon, id).length > 0) continue;
    const image = daemon.images.get(id);
    if (!image || image.tags.length > 0) continue;
    await daemon.images
      .remove(id)
      .catch((err) => daemon.logger.warn(`build: removing image ${id}: ${(err as Error).message}`));
  }
}

export function registerBuildRoutes(router: Router, daemon: Daemon): void {
  // Directories of builds the daemon was stopped in the middle of.
  void rm(join(daemon.config.dataRoot, 'builder'), { recursive: true, force: true });
  router.post('/build', (ctx) => build(daemon, ctx));
}
