import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './harness/berthd.js';

/** `docker run --init` and daemon.json `init`: tini as PID 1. */
describe('an init process in containers', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await TestDaemon.start({ config: { init: true } });
  });
  afterAll(async () => {
    await daemon?.destroy();
  });

  it('runs the command under /sbin/docker-init, which passes SIGTERM on (a stop needs no SIGKILL)', async () => {
    const ps = await daemon.cli(['run', '--rm', '--network', 'none', 'busybox', 'ps', '-o', 'pid,args']);
    expect(ps.stdout).toMatch(/\n\s*1 \/sbin\/docker-init -- ps -o pid,args\n/);

    // sleep as PID 1 would ignore SIGTERM and wait out the whole stop timeout.
    await daemon.cli([
      'run',
      '-d',
      '--name',
      'berth-test-init',
      '--network',
      'none',
      'busybox',
      'sleep',
      '300',
    ]);
    const started = Date.now();
    await daemon.cli(['stop', '-t', '20', 'berth-test-init']);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await daemon.cli(['inspect', '-f', '{{.State.ExitCode}}', 'berth-test-init'])).stdout).toBe(
      '143\n',
    );
    await daemon.cli(['rm', 'berth-test-init']);
  });

  it('leaves it out with --init=false', async () => {
    const ps = await daemon.cli([
      'run',
      '--rm',
      '--init=false',
      '--network',
      'none',
      'busybox',
      'ps',
      '-o',
      'pid,args',
    ]);
    expect(ps.stdout).toMatch(/\n\s*1 ps -o pid,args\n/);
  });
});
