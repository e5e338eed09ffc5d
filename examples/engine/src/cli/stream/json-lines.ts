import type { Readable } from 'node:stream';

/** The messages of a streamed JSON answer (pull, push, load progress): one JSON value after another. */
export async function* jsonLines<T = unknown>(stream: Readable): AsyncGenerator<T> {
  let buffered = '';
  for await (const chunk of stream) {
    buffered += (chunk as Buffer).toString('utf8');
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line) yield JSON.parse(line) as T;
      newline = buffered.indexOf('\n');
    }
  }
  if (buffered.trim()) yield JSON.parse(buffered) as T;
}
