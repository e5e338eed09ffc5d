import type { Attachment, ExitStatus } from '@berth/libcontainer';

/**
 * Connects this process's stdio to an attachment: stdin → the process (raw mode for a
 * terminal), its stdout/stderr → ours; terminal size follows ours. Resolves with the exit
 * status once the process has exited and its output is written.
 */
export async function pump(
  a: Attachment,
  options: { terminal: boolean; stdin: boolean },
): Promise<ExitStatus | undefined> {
  const { stdin, stdout, stderr } = process;
  const rawTty = options.terminal && stdin.isTTY;
  if (rawTty) stdin.setRawMode(true);
  const onResize = () => {
    if (stdout.isTTY) a.resize(stdout.rows, stdout.columns);
  };
  if (options.terminal) {
    process.on('SIGWINCH', onResize);
    onResize();
  }
  if (options.stdin) {
    stdin.on('data', (d: Buffer) => a.stdin.write(d));
    stdin.on('end', () => a.stdin.end());
    stdin.on('error', () => a.stdin.end());
  }
  const drained = Promise.all([
    new Promise<void>((r) => {
      a.stdout.on('data', (d: Buffer) => stdout.write(d));
      a.stdout.on('end', () => r());
    }),
    new Promise<void>((r) => {
      a.stderr.on('data', (d: Buffer) => stderr.write(d));
      a.stderr.on('end', () => r());
    }),
  ]);
  try {
    const status = await a.exit;
    await drained;
    return status;
  } finally {
    if (rawTty) stdin.setRawMode(false);
    process.off('SIGWINCH', onResize);
    stdin.pause();
    stdin.unref?.();
    stdin.destroy();
  }
}

/** Ends this process the way the container's process ended: same exit code, or same signal. */
export function exitLike(status: ExitStatus | undefined): never {
  if (!status) process.exit(255);
  if (status.signal) {
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGPIPE'] as const)
      process.removeAllListeners(s);
    try {
      process.kill(process.pid, status.signal);
    } catch {
      // fall through to the exit code
    }
  }
  process.exit(status.exitCode);
}

/** Passes signals this process gets on to the container (runc's signal proxy). */
export function forwardSignals(send: (signal: NodeJS.Signals) => void): () => void {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;
  const handler = (s: NodeJS.Signals) => {
    try {
      send(s);
    } catch {
      // it has exited
    }
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
