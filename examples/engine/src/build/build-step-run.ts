import type { Attachment } from '@berth/exec-driver';
import { ApiError } from '../api/api-error.js';
import type { ContainerRecord } from '../containers/container-record.js';
import type { BuildJob } from './build-job.js';

/** A RUN that exited non-zero: dockerd's message, and the code for the CLI. */
export class RunFailed extends ApiError {
  constructor(
    cmd: string[],
    readonly exitCode: number,
  ) {
    super(500, `The command '${cmd.join(' ')}' returned a non-zero code: ${exitCode}`);
  }
}

/** Passes a container's output to the build stream until both its streams end. */
function forward(job: BuildJob, attachment: Attachment): Promise<void> {
  const ended = (stream: NodeJS.ReadableStream) =>
    new Promise<void>((resolve) => {
      // Decoded as a stream: a character split across two chunks stays whole.
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => job.output(text));
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    });
  return Promise.all([ended(attachment.stdout), ended(attachment.stderr)]).then(() => undefined);
}

/**
 * Starts the step's container with its output going to the client, and waits for its exit. If the
 * client goes away, the container is killed (its removal follows in `inStepContainer`).
 */
export async function runInContainer(job: BuildJob, record: ContainerRecord, cmd: string[]): Promise<void> {
  const { containers } = job.daemon;
  let output: Promise<void> = Promise.resolve();
  const attached = new Promise<void>((resolve) => {
    containers.awaitStart(record.id, (attachment) => {
      if (attachment) output = forward(job, attachment);
      resolve();
    });
  });
  const kill = () => {
    job.daemon.logger.info(`build: the client went away, stopping container ${record.id}`);
    containers.kill(record.id, 'SIGKILL').catch((err) => job.daemon.logger.warn(`build: kill ${record.id}: ${(err as Error).message}`));
  };
  job.check();
  job.signal.addEventListener('abort', kill, { once: true });
  try {
    await containers.start(record.id);
    // Aborted while it started: the listener may have fired before the process existed.
    if (job.signal.aborted) kill();
    job.check();
    await attached;
    const code = await containers.wait(record.id, 'not-running', job.signal);
    await output;
    job.check();
    if (code !== 0) throw new RunFailed(cmd, code);
  } finally {
    job.signal.removeEventListener('abort', kill);
  }
}
