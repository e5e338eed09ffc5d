import { closeSync, openSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { callNative, LibcontainerError } from '../errors.js';
import { monitorPath, nativeAddon } from '../native.js';

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

interface SpawnNative {
  spawnDetached(
    path: string,
    args: string[],
    stdio: [number, number, number],
  ): { pid: number; reportFd: number };
  reapDetached(pid: number): number;
}

const native = () => nativeAddon<SpawnNative>();

/**
 * Starts `berth-monitor` in a session of its own and waits for its one-line report on fd 3:
 * the new process's PID and the monitor's, or why set-up failed. The monitor's own
 * diagnostics go to `<stateDir>/monitor.log`; with `inheritStdio` it gets this process's stdio
 * instead, for a process that is handed off with it. It is spawned with posix_spawn (a vfork:
 * Node's child_process copies this whole process first) and detaches itself at once, so this
 * process never has it to reap.
 */
export async function spawnMonitor(
  args: string[],
  stateDir: string,
  options: { inheritStdio?: boolean } = {},
): Promise<MonitorStarted> {
  const opened: number[] = [];
  let spawned: { pid: number; reportFd: number };
  try {
    let stdio: [number, number, number] = [0, 1, 2];
    if (!options.inheritStdio) {
      const devNull = openSync('/dev/null', 'r+');
      opened.push(devNull);
      const log = openSync(join(stateDir, 'monitor.log'), 'a');
      opened.push(log);
      stdio = [devNull, devNull, log];
    }
    spawned = callNative(() => native().spawnDetached(monitorPath(), args, stdio));
  } finally {
    for (const fd of opened) closeSync(fd);
  }
  native().reapDetached(spawned.pid); // its first process only forks the monitor and exits
  const line = await readReport(spawned.reportFd);
  let parsed: { pid?: number; monitor?: number; error?: MonitorFailure };
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
  return { monitorPid: parsed.monitor!, pid: parsed.pid! };
}

/** Everything written to the report pipe until its end (epoll through libuv, not the thread pool). */
function readReport(fd: number): Promise<string> {
  const pipe = new Socket({ fd, readable: true, writable: false });
  return new Promise<string>((resolve, reject) => {
    let text = '';
    pipe.setEncoding('utf8');
    pipe.on('data', (d: string) => {
      text += d;
    });
    pipe.on('end', () => resolve(text.trim()));
    pipe.on('error', reject);
  });
}
