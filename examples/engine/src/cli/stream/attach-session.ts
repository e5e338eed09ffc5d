import type { Duplex } from 'node:stream';
import type { CliContext } from '../context.js';
import { enterRawMode } from '../terminal/raw-mode.js';
import { copyContainerOutput } from './demux.js';

export interface AttachSessionOptions {
  tty: boolean;
  /** Send our stdin to the container (`-i`). */
  stdin: boolean;
}

/**
 * Runs a hijacked attach/exec connection: our stdin into it (in raw mode when both sides are
 * terminals), its output to our stdout/stderr. Resolves when the container side closes the stream.
 */
export async function runAttachSession(
  ctx: CliContext,
  socket: Duplex,
  options: AttachSessionOptions,
): Promise<void> {
  const restoreTerminal = options.tty && options.stdin ? enterRawMode(ctx.stdin) : () => undefined;
  const stopInput = options.stdin ? pumpStdin(ctx.stdin, socket, options.tty) : () => undefined;
  try {
    await copyContainerOutput(socket, { tty: options.tty, stdout: ctx.stdout, stderr: ctx.stderr });
  } finally {
    stopInput();
    restoreTerminal();
  }
}

/**
 * Our stdin into the connection. At end of input the write side is closed (the container sees EOF) —
 * except with a TTY, where docker keeps the connection open and lets the container decide.
 */
function pumpStdin(stdin: NodeJS.ReadStream, socket: Duplex, tty: boolean): () => void {
  const onData = (chunk: Buffer) => {
    if (!socket.writableEnded) socket.write(chunk);
  };
  const onEnd = () => {
    if (!tty && !socket.writableEnded) socket.end();
  };
  stdin.on('data', onData);
  stdin.once('end', onEnd);
  stdin.resume();
  return () => {
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    stdin.pause();
  };
}
