// The demo's berthd: the one already answering on the socket, or one it starts (and stops) itself.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** Does a daemon answer GET /_ping on this socket? */
export function ping(socket) {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * Reuses the daemon on `socket`, or starts `berthd` with `args` (none: the default roots) and waits
 * until it answers. `stop()` stops only a daemon this call started.
 */
export async function useDaemon({ berthd, socket, args = [] }) {
  if (await ping(socket)) return { reused: true, pid: undefined, log: () => '', stop: async () => {} };

  const child = spawn(process.execPath, [berthd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk) => {
    log += chunk;
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM'); // berthd closes its socket and state; containers (none left) would keep running
    const done = await Promise.race([exited, sleep(STOP_TIMEOUT_MS, 'timeout', { ref: false })]);
    if (done === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const state = await Promise.race([ping(socket), exited.then((how) => ({ how }))]);
    if (state === true) break;
    if (typeof state === 'object') throw new Error(`berthd exited (${state.how}) before answering:\n${log}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`berthd did not answer on ${socket} within ${START_TIMEOUT_MS / 1000} s:\n${log}`);
    }
    await sleep(50);
  }
  return { reused: false, pid: child.pid, log: () => log, stop };
}
