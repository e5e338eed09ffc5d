import type { Daemon } from '../daemon/daemon.js';
import type { ProgressMessage } from '../images/progress-message.js';
import type { BuildOptions } from './build-options.js';

/** What every step of one build shares: the daemon, the client's stream, what the build made so far. */
export class BuildJob {
  /** Containers this build made and has not removed yet. */
  readonly containers = new Set<string>();

  constructor(
    readonly daemon: Daemon,
    readonly options: BuildOptions,
    readonly workDir: string,
    readonly contextDir: string,
    readonly signal: AbortSignal,
    readonly send: (message: ProgressMessage) => void,
  ) {}

  /** A line of the build's output (`Step 1/3 : …`), left out with `q`. */
  say(text: string): void {
    if (!this.options.quiet) this.send({ stream: `${text}\n` });
  }

  /** Output of a RUN, as it comes. */
  output(text: string): void {
    if (!this.options.quiet && text !== '') this.send({ stream: text });
  }

  /** Throws if the client went away or the daemon is stopping. */
  check(): void {
    this.signal.throwIfAborted();
  }

  /** Removes a container this build made (killed first if it runs). */
  async removeContainer(id: string): Promise<void> {
    this.containers.delete(id);
    await this.daemon.containers.remove(id, { force: true }).catch((err) => {
      if ((err as { status?: number }).status !== 404)
        this.daemon.logger.warn(`build: removing container ${id}: ${(err as Error).message}`);
    });
  }
}
