import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ENGINE_DIST, type TestDaemon } from './berthd.js';

/** The built `berth` binary (the same dist as the daemon under test). */
export const BERTH_CLI = join(ENGINE_DIST, 'berth.js');

export interface BerthResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface BerthRunOptions {
  input?: string | Buffer;
  env?: Record<string, string | undefined>;
  /** Leave out `-H` (to test BERTH_HOST / DOCKER_HOST). */
  noHost?: boolean;
  timeout?: number;
}

/** Runs `berth -H unix://<daemon socket> ...args` as a user would, and collects what it printed. */
export function berth(
  daemon: TestDaemon,
  args: string[],
  options: BerthRunOptions = {},
): Promise<BerthResult> {
  const hostArgs = options.noHost ? [] : ['-H', `unix://${daemon.socket}`];
  return runBerth([...hostArgs, ...args], options);
}

export function runBerth(args: string[], options: BerthRunOptions = {}): Promise<BerthResult> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, BERTH_HOST: undefined, DOCKER_HOST: undefined, ...options.env };
    const child = spawn(process.execPath, [BERTH_CLI, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
      timeout: options.timeout ?? 60_000,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => stdout.push(d));
    child.stderr.on('data', (d: Buffer) => stderr.push(d));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        code: code ?? (signal ? 128 : -1),
      }),
    );
  });
}
