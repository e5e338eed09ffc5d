import { MultiBar, type SingleBar } from 'cli-progress';
import { CliError } from '../errors.js';
import { failureOf, type JsonMessage, type ProgressDisplay, progressText } from './progress.js';

interface BarPayload {
  id: string;
  status: string;
  progress: string;
}

/** A cli-progress multibar: each layer keeps its line and redraws it; other messages print above. */
export class TerminalProgress implements ProgressDisplay {
  readonly #bars = new Map<string, SingleBar>();
  /** Each layer's last status. */
  readonly #status = new Map<string, string>();
  #after: string[] = [];
  readonly #multibar: MultiBar;

  constructor(readonly out: NodeJS.WriteStream) {
    this.#multibar = new MultiBar({
      stream: out,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      autopadding: false,
      linewrap: false,
      fps: 10,
      format: (_options, _params, payload: BarPayload) =>
        `${payload.id}: ${payload.status}${payload.progress ? ` ${payload.progress}` : ''}`,
    });
  }

  show(message: JsonMessage): void {
    const failure = failureOf(message);
    if (failure) throw new CliError(failure);
    if (message.stream) {
      this.#print(message.stream);
      return;
    }
    if (message.status === undefined) return;
    if (!message.id || message.status.startsWith('Pulling from')) {
      // Lines that never change (headers, results) print once, above the layer bars.
      this.#print(message.id ? `${message.id}: ${message.status}\n` : `${message.status}\n`);
      return;
    }
    const total = message.progressDetail?.total ?? 0;
    const payload: BarPayload = { id: message.id, status: message.status, progress: progressText(message) };
    const bar = this.#bars.get(message.id);
    if (!bar) {
      this.#bars.set(message.id, this.#multibar.create(Math.max(total, 1), 0, payload));
      this.#status.set(message.id, message.status);
      return;
    }
    const changed = this.#status.get(message.id) !== message.status;
    this.#status.set(message.id, message.status);
    if (total > 0) bar.setTotal(total);
    bar.update(message.progressDetail?.current ?? 0, payload);
    // A new step of a layer (Downloading, Extracting, Pull complete) is drawn at once, as docker
    // prints each message: a fast pull would otherwise end between two timed redraws.
    if (changed) this.#multibar.update();
  }

  /** Before the first bar the screen is ours; after it, lines wait below the bars (docker's order). */
  #print(text: string): void {
    if (this.#bars.size === 0) this.out.write(text);
    else this.#after.push(text);
  }

  close(): void {
    if (this.#bars.size > 0) this.#multibar.stop();
    this.out.write(this.#after.join(''));
    this.#after = [];
  }
}
