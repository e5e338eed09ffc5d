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
  errorDetail?: { message?: string; code?: number };
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
export function failureOf(message: JsonMessage): string | undefined {
  return message.errorDetail?.message ?? message.error;
}

export async function createProgressDisplay(out: NodeJS.WriteStream): Promise<ProgressDisplay> {
  if (!out.isTTY) return new PlainProgress(out);
  // The bar library loads only when there is a terminal to draw on.
  const { TerminalProgress } = await import('./terminal-progress.js');
  return new TerminalProgress(out);
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
