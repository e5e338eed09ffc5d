import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { makeWorkDir, receiveContext } from '../../build/build-context.js';
import { BuildJob } from '../../build/build-job.js';
import { buildOptionsFrom } from '../../build/build-options.js';
import { RunFailed } from '../../build/build-step-run.js';
import { ImageBuilder } from '../../build/image-builder.js';
import type { Daemon } from '../../daemon/daemon.js';
import { errorMessage } from '../../images/progress-message.js';
import { ProgressStream, requestSignal } from '../../images/progress-stream.js';
import { toApiError } from '../api-error.js';
import type { RequestContext, Router } from '../router.js';

/**
 * `POST /build`: the classic builder. The body is the context (a tar, plain or gzip); the answer is
 * Docker's JSON message stream. The build is a job: if the client goes away, the running step's
 * container is killed, and its containers and directory are removed. The images its steps made stay,
 * as dockerd keeps them: they are the build cache (untagged parents of the result, or dangling after
 * a failure), removed with the result by `docker rmi`, or by `docker image prune` / `builder prune`.
 */
async function build(daemon: Daemon, ctx: RequestContext): Promise<void> {
  const options = buildOptionsFrom(ctx.query);
  const { signal, done } = requestSignal(ctx.res, daemon);
  const workDir = await makeWorkDir(daemon.config.dataRoot, randomBytes(16).toString('hex'));
  const stream = new ProgressStream(ctx.res);
  let job: BuildJob | undefined;
  let failure: unknown;
  try {
    const context = await receiveContext(ctx.req, workDir, options.dockerfile, signal);
    job = new BuildJob(daemon, options, workDir, context.dir, signal, stream.send);
    await new ImageBuilder(job).build(context.dockerfile);
  } catch (err) {
    failure = err;
  } finally {
    done();
    // Cleaned up before the answer ends: a client that sees the end sees nothing left behind.
    if (job) for (const id of [...job.containers]) await job.removeContainer(id);
    await rm(workDir, { recursive: true, force: true });
  }
  if (failure !== undefined) {
    if (!stream.started) throw failure;
    // A RUN's exit code goes with the message: the docker CLI exits with it.
    const code = failure instanceof RunFailed ? failure.exitCode : undefined;
    stream.send(errorMessage(toApiError(failure).message, code));
  }
  if (!ctx.res.writableEnded) ctx.res.end();
}

export function registerBuildRoutes(router: Router, daemon: Daemon): void {
  router.post('/build', (ctx) => build(daemon, ctx));
}
