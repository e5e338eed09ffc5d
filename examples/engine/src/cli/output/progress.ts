import { MultiBar, type SingleBar } from 'cli-progress';
import { CliError } from '../errors.js';
import { humanSize } from './units.js';

/** One message of Docker's JSON progress stream (pull, push, load). */
export interface JsonMessage {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: Record<string, unknown>;
}

const BAR_WIDTH = 50;

/** Docker's progress text: `[=====>     ]  1.23MB/4.56MB`, or just the bytes when the total is unknown. */
export function progressText(message: JsonMessage): string {
  const current = message.progressDetail?.current ?? 0;
  const total = message.progressDetail?.total ?? 0;
  if (current <= 0 && total <= 0) return message.progress ?? '';
  if (total <= 0) return humanSize(current, 4);
  const filled = Math.min(BAR_WIDTH, Math.floor((current / total) * BAR_WIDTH));
  const bar =
    filled >= BAR_WIDTH
      ? '='.repeat(BAR_WIDTH)
      : `${'='.repeat(filled)}>${' '.repeat(BAR_WIDTH - filled - 1)}`;
  return `[${bar}] ${humanSize(current, 4).padStart(8)}/${humanSize(total, 4)}`;
}

/** Shows a progress stream: one live bar per layer on a terminal, plain status lines elsewhere. */
export interface ProgressDisplay {
  show(message: JsonMessage): void;
  close(): void;
}

/** A message that reports a failure ends the stream with that message. */
function failureOf(message: JsonMessage): string | undefined {
  return message.errorDetail?.message ?? message.error;
}

export function createProgressDisplay(out: NodeJS.WriteStream): ProgressDisplay {
  return out.isTTY ? new TerminalProgress(out) : new PlainProgress(out);
}

/** Non-terminal output, as docker does it: status lines, no bars (progress updates are left out). */
export class PlainProgress implements ProgressDisplay {
  constructor(readonly out: NodeJS.WritableStream) {}

  show(message: JsonMessage): void {
    const failure = failureOf(message);
    if (failure) throw new CliError(failure);
    if (message.stream) {
      this.out.write(message.stream);
      return;
    }
    if (message.progressDetail && progressText(message) !== '') return;
    if (message.status === undefined) return;
    this.out.write(message.id ? `${message.id}: ${message.status}\n` : `${message.status}\n`);
  }

  close(): void {}
}

interface BarPayload {
  id: string;
  status: string;
  progress: string;
}

/** A cli-progress multibar: each layer keeps its line and redraws it; other messages print above. */
class TerminalProgress implements ProgressDisplay {
  readonly #bars = new Map<string, SingleBar>();
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
      return;
    }
    if (total > 0) bar.setTotal(total);
    bar.update(message.progressDetail?.current ?? 0, payload);
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
