import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { MonitoredProcess, type MonitoredRecord } from '@berth/libcontainer';
import { exitLike } from './io.js';

/**
 * Engines (containerd's shim, conmon) give `create`/`exec --detach` their stdio and then reap
 * the PID in --pid-file to learn the exit status. In Berth the container's parent is its
 * monitor, so a small relay process stands in: it holds the engine's stdio, copies it to and
 * from the monitor's attach socket, and exits like the container's process (same code or same
 * signal). Its PID is what --pid-file gets.
 */
export async function startRelay(record: MonitoredRecord, options: { stdio: boolean }): Promise<number> {
  const script = process.argv[1]!;
  const child = spawn(
    process.execPath,
    [script, '__relay', JSON.stringify(record), options.stdio ? 'stdio' : 'wait'],
    {
      detached: true,
      // Without stdio to relay it holds none: an engine that reads the command's output to
      // its end (containerd's shim with a terminal) would otherwise wait for the relay too.
      stdio: options.stdio
        ? ['inherit', 'inherit', 'inherit', 'pipe']
        : ['ignore', 'ignore', 'ignore', 'pipe'],
    },
  );
  const ready = child.stdio[3] as Readable;
  const line = await new Promise<string>((resolve, reject) => {
    let text = '';
    ready.setEncoding('utf8');
    ready.on('data', (d: string) => {
      text += d;
      if (text.includes('\n')) resolve(text.trim());
    });
    ready.on('end', () => resolve(text.trim()));
    child.once('error', reject);
  });
  ready.destroy();
  child.unref();
  if (line !== 'ready') throw new Error(`the stdio relay did not start: ${line || 'no report'}`);
  return child.pid!;
}

/** The relay process itself (hidden command `__relay`). */
export async function relayMain(recordJson: string, mode: string): Promise<never> {
  for (const s of ['SIGINT', 'SIGHUP', 'SIGTERM', 'SIGPIPE'] as const) process.on(s, () => undefined);
  const report = createWriteStream('', { fd: 3 });
  const proc = new MonitoredProcess(JSON.parse(recordJson) as MonitoredRecord);
  if (mode === 'wait') {
    report.end('ready\n');
    exitLike(await proc.wait().catch(() => undefined));
  }
  let attachment: Awaited<ReturnType<MonitoredProcess['attach']>>;
  try {
    attachment = await proc.attach();
  } catch (err) {
    report.end(`${(err as Error).message}\n`);
    process.exit(1);
  }
  report.end('ready\n');
  const { pump } = await import('./io.js');
  const status = await pump(attachment, { terminal: false, stdin: true });
  exitLike(status ?? (await proc.wait().catch(() => undefined)));
}
