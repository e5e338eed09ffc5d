import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { LibcontainerError } from '../errors.js';
import { monitorPath } from '../native.js';

export interface MonitorStarted {
  monitorPid: number;
  pid: number;
}

interface MonitorFailure {
  step?: string;
  message?: string;
  syscall?: string;
  path?: string;
  errno?: number;
  code?: string;
}

/**
 * Starts `berth-monitor` detached (its own session) and waits for its one-line report on fd 3:
 * the new process's PID, or why set-up failed. The monitor's own diagnostics go to
 * `<stateDir>/monitor.log`; with `inheritStdio` it gets this process's stdio instead, for a
 * process that is handed off with it.
 */
export async function spawnMonitor(
  args: string[],
  stateDir: string,
  options: { inheritStdio?: boolean } = {},
): Promise<MonitorStarted> {
  const log = options.inheritStdio ? undefined : openSync(join(stateDir, 'monitor.log'), 'a');
  let child: ReturnType<typeof spawn>;
  try {
    const stdio = log === undefined ? 'inherit' : 'ignore';
    child = spawn(monitorPath(), args, {
      detached: true,
      stdio: [stdio, stdio, log ?? 'inherit', 'pipe'],
    });
  } finally {
    if (log !== undefined) closeSync(log);
  }
  const report = child.stdio[3] as Readable;
  const line = await new Promise<string>((resolve, reject) => {
    let text = '';
    report.setEncoding('utf8');
    report.on('data', (d: string) => {
      text += d;
    });
    report.on('end', () => resolve(text.trim()));
    report.on('error', reject);
    child.once('error', reject);
  });
  child.unref();
  const monitorPid = child.pid!;
  let parsed: { pid?: number; error?: MonitorFailure };
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new LibcontainerError(
      'ERR_MONITOR_LOST',
      `the monitor ended without a report (see ${join(stateDir, 'monitor.log')})`,
    );
  }
  if (parsed.error) {
    const e = parsed.error;
    throw new LibcontainerError(
      e.step === 'config' || e.step === 'arguments' ? 'ERR_SPEC_INVALID' : 'ERR_CONTAINER_START_FAILED',
      e.message ?? 'container set-up failed',
      { syscall: e.syscall, path: e.path, errno: e.errno, errnoCode: e.code },
    );
  }
  return { monitorPid, pid: parsed.pid! };
}
