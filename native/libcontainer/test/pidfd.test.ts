import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isLibcontainerError, Pidfd, signalNumber } from '../src/index.js';

describe('Pidfd', () => {
  it('waits for a process to exit without polling and signals it', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const childExit = new Promise<[number | null, string | null]>((r) =>
      child.on('exit', (c, s) => r([c, s])),
    );
    const handle = Pidfd.open(child.pid!);
    const exited = handle.exited();
    let done = false;
    void exited.then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(done).toBe(false);
    handle.signal('SIGTERM');
    await exited;
    const [, signal] = await childExit;
    expect(signal).toBe('SIGTERM');
    handle.close();
  });

  it('refuses a PID that does not exist with a typed error naming the syscall', () => {
    try {
      Pidfd.open(2 ** 22 + 1);
      expect.unreachable();
    } catch (err) {
      expect(isLibcontainerError(err, 'ERR_SYSCALL')).toBe(true);
      expect(err).toMatchObject({ syscall: 'pidfd_open' });
      expect(['ESRCH', 'EINVAL']).toContain((err as { errnoCode: string }).errnoCode);
    }
  });

  it('maps signal names', () => {
    expect(signalNumber('SIGKILL')).toBe(9);
    expect(signalNumber('term')).toBe(15);
    expect(signalNumber('10')).toBe(10);
    expect(() => signalNumber('SIGNOPE')).toThrow(RangeError);
  });
});
