import type { IncomingMessage } from 'node:http';
import { createProgressDisplay, type JsonMessage, PlainProgress } from '../output/progress.js';
import { jsonLines } from './json-lines.js';

/** Shows a streamed JSON progress answer until it ends; a message carrying an error fails the command. */
export async function showProgress(
  res: IncomingMessage,
  out: NodeJS.WriteStream,
  onMessage?: (message: JsonMessage) => void,
): Promise<void> {
  const display = await createProgressDisplay(out);
  try {
    for await (const message of jsonLines<JsonMessage>(res)) {
      onMessage?.(message);
      display.show(message);
    }
  } finally {
    display.close();
  }
}

/** Reads a progress stream without showing it, still failing on an error message (`pull -q`). */
export async function drainProgress(
  res: IncomingMessage,
  onMessage?: (message: JsonMessage) => void,
): Promise<void> {
  const sink = new PlainProgress({ write: () => true } as unknown as NodeJS.WritableStream);
  for await (const message of jsonLines<JsonMessage>(res)) {
    onMessage?.(message);
    sink.show(message);
  }
}
