import { spawn } from 'node:child_process';
import { NetworkDriverError } from './errors.js';

/**
 * Runs a command, feeding `input` on stdin, and resolves with its stdout. A non-zero exit is an
 * ERR_COMMAND_FAILED naming the command and carrying its stderr.
 */
export function run(file: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) =>
      reject(new NetworkDriverError('ERR_COMMAND_FAILED', `cannot run ${file}: ${e.message}`, { cause: e })),
    );
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(Buffer.concat(out).toString('utf8'));
      const stderr = Buffer.concat(err).toString('utf8').trim();
      const what = input === undefined ? '' : `\n--- input ---\n${input}`;
      reject(
        new NetworkDriverError(
          'ERR_COMMAND_FAILED',
          `${file} ${args.join(' ')} failed (${signal ?? `exit ${code}`}): ${stderr}${what}`,
        ),
      );
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}
