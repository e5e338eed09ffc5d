import { connect, type Socket } from 'node:net';
import { PassThrough, type Readable, Writable } from 'node:stream';
import { LibcontainerError } from '../errors.js';
import { type ExitStatus, parseExitStatus } from './exit-status.js';
import { encodeFrame, Frame, FrameDecoder } from './frames.js';

/** A live connection to a monitored process's stdio. */
export interface Attachment {
  stdout: Readable;
  /** Empty with a terminal: a pty has one output stream. */
  stderr: Readable;
  /** Writes go to the process's stdin; `end()` closes it (without a terminal). */
  stdin: Writable;
  resize(rows: number, cols: number): void;
  /** Resolves with the exit status if the process exits while attached, undefined if detached first. */
  exit: Promise<ExitStatus | undefined>;
  /** Asks the monitor to start the program; resolves once it has been exec'd. */
  start(): Promise<void>;
  detach(): void;
}

/** Connects to a monitor's attach socket (`<stateDir>/attach.sock`). */
export async function attachTo(socketPath: string): Promise<Attachment> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect(socketPath);
    s.once('connect', () => resolve(s));
    s.once('error', (err) =>
      reject(
        new LibcontainerError('ERR_CONTAINER_NOT_RUNNING', `cannot attach: ${err.message}`, {
          path: socketPath,
          cause: err,
        }),
      ),
    );
  });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const decoder = new FrameDecoder();
  let started = false;
  const startWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  let resolveExit!: (s: ExitStatus | undefined) => void;
  const exit = new Promise<ExitStatus | undefined>((r) => {
    resolveExit = r;
  });
  const failStarts = (err: Error) => {
    for (const w of startWaiters.splice(0)) w.reject(err);
  };

  socket.on('data', (chunk: Buffer) => {
    for (const { type, payload } of decoder.push(chunk)) {
      if (type === Frame.Stdout) stdout.write(payload);
      else if (type === Frame.Stderr) stderr.write(payload);
      else if (type === Frame.Started) {
        started = true;
        for (const w of startWaiters.splice(0)) w.resolve();
      } else if (type === Frame.Error) {
        failStarts(new LibcontainerError('ERR_CONTAINER_START_FAILED', payload.toString()));
      } else if (type === Frame.Exit) {
        const status = parseExitStatus(payload.toString());
        if (!status.started)
          failStarts(
            new LibcontainerError('ERR_CONTAINER_START_FAILED', 'the process exited before it started'),
          );
        resolveExit(status);
      }
    }
  });
  socket.on('close', () => {
    stdout.end();
    stderr.end();
    failStarts(
      new LibcontainerError(
        'ERR_MONITOR_LOST',
        'the monitor closed the connection before the program started',
      ),
    );
    resolveExit(undefined);
  });
  socket.on('error', () => undefined); // 'close' follows

  const stdin = new Writable({
    write(chunk: Buffer, _enc, done) {
      socket.write(encodeFrame(Frame.Stdin, chunk), () => done());
    },
    final(done) {
      socket.write(encodeFrame(Frame.StdinClose), () => done());
    },
  });
  stdin.on('error', () => undefined);

  return {
    stdout,
    stderr,
    stdin,
    exit,
    resize(rows, cols) {
      const size = Buffer.alloc(4);
      size.writeUInt16BE(rows, 0);
      size.writeUInt16BE(cols, 2);
      socket.write(encodeFrame(Frame.Resize, size));
    },
    start() {
      if (started) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        startWaiters.push({ resolve, reject });
        socket.write(encodeFrame(Frame.Start));
      });
    },
    detach() {
      socket.end();
    },
  };
}
