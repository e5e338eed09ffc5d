import type { Duplex } from 'node:stream';
import type { Attachment } from '@berth/exec-driver';
import { frame } from '../api/hijack.js';

export interface BridgeOptions {
  /** Raw bytes with a TTY; Docker's multiplexed frames without. */
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** Close the process's stdin when the client closes its side (Docker's StdinOnce). */
  closeStdin: boolean;
  /** Input sequence that detaches the client (ctrl-p,ctrl-q by default); null for none. */
  detachKeys: Buffer | null;
}

/** How a bridged session ended. */
export type BridgeEnd = 'exited' | 'detached' | 'client-gone';

/** Docker's `--detach-keys` syntax: `ctrl-p,ctrl-q`, `a,ctrl-@`. */
export function parseDetachKeys(value: string | null | undefined): Buffer {
  const text = value || 'ctrl-p,ctrl-q';
  const bytes = text.split(',').map((key) => {
    const k = key.trim().toLowerCase();
    if (k.startsWith('ctrl-') && k.length === 6) {
      const c = k.charCodeAt(5);
      if (c >= 97 && c <= 122) return c - 96; // ctrl-a … ctrl-z
      const special: Record<string, number> = { '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, _: 31 };
      if (k[5]! in special) return special[k[5]!] as number;
    }
    if (key.length === 1) return key.charCodeAt(0);
    throw new Error(`Invalid detach keys (${text}) provided`);
  });
  return Buffer.from(bytes);
}

/** Connects a process's stdio to a hijacked client connection until either side ends. */
export function bridgeStdio(socket: Duplex, att: Attachment, options: BridgeOptions): Promise<BridgeEnd> {
  return new Promise<BridgeEnd>((resolve) => {
    let ended = false;
    const finish = (how: BridgeEnd) => {
      if (ended) return;
      ended = true;
      socket.off('data', onInput);
      resolve(how);
    };
    const send = (stream: 1 | 2) => (chunk: Buffer) => {
      if (socket.writable) socket.write(options.tty ? chunk : frame(stream, chunk));
    };
    let open = 2;
    const outputEnded = () => {
      if (--open === 0) finish('exited');
    };
    if (options.stdout) att.stdout.on('data', send(1));
    else att.stdout.resume();
    if (options.stderr) att.stderr.on('data', send(2));
    else att.stderr.resume();
    att.stdout.once('end', outputEnded);
    att.stderr.once('end', outputEnded);

    const keys = options.detachKeys;
    let matched = 0;
    function onInput(chunk: Buffer) {
      if (!options.stdin) return;
      if (keys && keys.length > 0) {
        for (let i = 0; i < chunk.length; i++) {
          if (chunk[i] === keys[matched]) {
            matched++;
            if (matched === keys.length) {
              const before = chunk.subarray(0, Math.max(0, i + 1 - keys.length));
              if (before.length) att.stdin.write(before);
              att.detach();
              finish('detached');
              return;
            }
          } else matched = chunk[i] === keys[0] ? 1 : 0;
        }
      }
      att.stdin.write(chunk);
    }
    socket.on('data', onInput);
    socket.once('end', () => {
      if (options.stdin && options.closeStdin) att.stdin.end();
    });
    socket.once('close', () => {
      if (ended) return;
      att.detach();
      finish('client-gone');
    });
    socket.on('error', () => undefined);
  });
}
