import { spawn } from 'node:child_process';
import { ExecDriverError } from '../errors.js';
import type { Hook, State } from '../spec/types.js';

/** Runs OCI hooks in order with the container's state on stdin; a failure (or timeout) throws. */
export async function runHooks(phase: string, hooks: Hook[] | undefined, state: State): Promise<void> {
  for (const [i, hook] of (hooks ?? []).entries()) {
    const [argv0, ...rest] = hook.args?.length ? hook.args : [hook.path];
    await new Promise<void>((resolve, reject) => {
      const child = spawn(hook.path, rest, {
        argv0,
        env: Object.fromEntries(
          (hook.env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
        ),
        stdio: ['pipe', 'ignore', 'pipe'],
        timeout: hook.timeout ? hook.timeout * 1000 : undefined,
      });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(JSON.stringify(state));
      child.once('error', (err) =>
        reject(
          new ExecDriverError('ERR_HOOK_FAILED', `hooks.${phase}[${i}] ${hook.path}: ${err.message}`, {
            cause: err,
          }),
        ),
      );
      child.once('exit', (code, signal) => {
        if (code === 0) resolve();
        else
          reject(
            new ExecDriverError(
              'ERR_HOOK_FAILED',
              `hooks.${phase}[${i}] ${hook.path} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`,
            ),
          );
      });
    });
  }
}
