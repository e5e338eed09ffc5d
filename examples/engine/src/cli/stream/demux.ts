import type { Readable } from 'node:stream';
import { CliError } from '../errors.js';

const HEADER_SIZE = 8;

export interface DemuxTargets {
  stdout: (data: Buffer) => void;
  stderr: (data: Buffer) => void;
}

/**
 * Splits Docker's multiplexed stream (8-byte header: stream id, 3 zero bytes, big-endian length; then
 * the bytes) back into stdout and stderr. Stream 3 is the daemon reporting an error inside the stream.
 */
export class StdcopyDemuxer {
  #pending: Buffer = Buffer.alloc(0);

  constructor(readonly targets: DemuxTargets) {}

  push(chunk: Buffer): void {
    this.#pending = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    while (this.#pending.length >= HEADER_SIZE) {
      const kind = this.#pending[0] as number;
      const length = this.#pending.readUInt32BE(4);
      if (this.#pending.length < HEADER_SIZE + length) return;
      const payload = this.#pending.subarray(HEADER_SIZE, HEADER_SIZE + length);
      this.#pending = this.#pending.subarray(HEADER_SIZE + length);
      if (kind === 0 || kind === 1) this.targets.stdout(payload);
      else if (kind === 2) this.targets.stderr(payload);
      else if (kind === 3) throw new CliError(`Error from daemon in stream: ${payload.toString('utf8')}`);
      else throw new CliError(`unrecognized stream id ${kind} in multiplexed stream`);
    }
  }
}

/** Copies a container's output to our stdout/stderr: demultiplexed, or as is when it has a TTY. */
export async function copyContainerOutput(
  source: Readable,
  options: { tty: boolean; stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream },
): Promise<void> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  if (options.tty) {
    for await (const chunk of source) stdout.write(chunk as Buffer);
    return;
  }
  const demuxer = new StdcopyDemuxer({
    stdout: (data) => stdout.write(data),
    stderr: (data) => stderr.write(data),
  });
  for await (const chunk of source) demuxer.push(chunk as Buffer);
}
