import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './harness/berthd.js';
import { containerLeftovers } from './harness/leftovers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Restart policies, and containers outliving a berthd restart (SIGTERM and kill -9). */
describe('restarts', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await TestDaemon.start();
  });
  afterAll(async () => {
    await daemon?.destroy();
  });

  const state = async (name: string) => {
    const [info] = JSON.parse((await daemon.cli(['inspect', name])).stdout);
    return { ...info.State, RestartCount: info.RestartCount as number };
  };

  async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await what();
      if (ok(v) || Date.now() > deadline) return v;
      await sleep(100);
    }
  }

  it('on-failure:2 restarts a failing container twice, then leaves it exited', async () => {
    await daemon.cli([
      'run',
      '-d',
      '--name',
      'berth-test-onfail',
      '--network',
      'none',
      '--restart',
      'on-failure:2',
      'busybox',
      'sh',
      '-c',
      'echo run; exit 3',
    ]);
    const s = await until(
      () => state('berth-test-onfail'),
      (v) => v.RestartCount === 2 && v.Status === 'exited',
    );
    expect(s).toMatchObject({ Status: 'exited', ExitCode: 3, RestartCount: 2 });
    // Every run wrote to the same log.
    expect((await daemon.cli(['logs', 'berth-test-onfail'])).stdout).toBe('run\nrun\nrun\n');
    await sleep(500);
    expect((await state('berth-test-onfail')).RestartCount).toBe(2);
    // A success does not restart.
    await daemon.cli([
      'run',
      '-d',
      '--name',
      'berth-test-onfail-ok',
      '--network',
      'none',
      '--restart',
      'on-failure',
      'busybox',
      'true',
    ]);
    await sleep(600);
    expect(await state('berth-test-onfail-ok')).toMatchObject({
      Status: 'exited',
      ExitCode: 0,
      RestartCount: 0,
    });
    await daemon.cli(['rm', 'berth-test-onfail', 'berth-test-onfail-ok']);
  });

  it('always restarts with a growing backoff until stopped', async () => {
    const started = Date.now();
    await daemon.cli([
      'run',
      '-d',
      '--name',
      'berth-test-always',
      '--network',
      'none',
      '--restart',
      'always',
      'busybox',
      'true',
    ]);
    const s = await until(
      () => state('berth-test-always'),
      (v) => v.RestartCount >= 3,
      10_000,
    );
    expect(s.RestartCount).toBeGreaterThanOrEqual(3);
    // Delays of 100, 200 and 400 ms before the first three restarts.
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    await daemon.cli(['stop', 'berth-test-always']);
    const stopped = await state('berth-test-always');
    expect(stopped.Status).toBe('exited');
    await sleep(1000);
    expect((await state('berth-test-always')).RestartCount).toBe(stopped.RestartCount);
    await daemon.cli(['rm', 'berth-test-always']);
  });

  it('a running container survives berthd SIGTERM and kill -9; stop after the restart gets its exit code', async () => {
    const id = (
      await daemon.cli([
        'run',
        '-d',
        '--name',
        'berth-test-survivor',
        '--network',
        'none',
        'busybox',
        'sh',
        '-c',
        'trap "echo caught; exit 42" TERM; echo up; while true; do sleep 0.1; done',
      ])
    ).stdout.trim();
    const pid = (await state(id)).Pid;
    await daemon.stop('SIGTERM');
    await daemon.startProcess();
    expect(await state(id)).toMatchObject({ Status: 'running', Pid: pid });
    expect((await daemon.cli(['exec', id, 'echo', 'still here'])).stdout).toBe('still here\n');

    await daemon.stop('SIGKILL');
    await daemon.startProcess();
    expect(await state(id)).toMatchObject({ Status: 'running', Pid: pid });
    // Its /etc/hosts and friends are found again: inspect names them and docker cp reads them.
    const hostsPath = (await daemon.cli(['inspect', '-f', '{{.HostsPath}}', id])).stdout.trim();
    expect(hostsPath).not.toBe('');
    const hostname = await daemon.cli(['cp', `${id}:/etc/hostname`, '-']);
    expect(hostname.stdout).toContain(`${id.slice(0, 12)}\n`);
    await daemon.cli(['stop', id]);
    expect(await state(id)).toMatchObject({ Status: 'exited', ExitCode: 42 });
    expect((await daemon.cli(['logs', id])).stdout).toBe('up\ncaught\n');
    await daemon.cli(['rm', id]);
    expect(containerLeftovers(daemon)).toEqual({ mounts: [], cgroups: [], runtime: [] });
  });

  it('an exit while berthd is down is found with its real exit code; restart policies then apply', async () => {
    await daemon.cli([
      'run',
      '-d',
      '--name',
      'berth-test-gone',
      '--network',
      'none',
      'busybox',
      'sh',
      '-c',
      'sleep 1; exit 17',
    ]);
    await daemon.cli([
      'run',
      '-d',
      '--name',
      'berth-test-back',
      '--network',
      'none',
      '--restart',
      'on-failure:1',
      'busybox',
      'sh',
      '-c',
      'sleep 1; exit 5',
    ]);
    await daemon.stop('SIGKILL');
    await sleep(1500);
    await daemon.startProcess();
    expect(await state('berth-test-gone')).toMatchObject({ Status: 'exited', ExitCode: 17, Running: false });
    expect((await daemon.cli(['wait', 'berth-test-gone'])).stdout.trim()).toBe('17');
    const back = await until(
      () => state('berth-test-back'),
      (v) => v.RestartCount === 1,
    );
    expect(back.RestartCount).toBe(1);
    await daemon.cli(['rm', '-f', 'berth-test-gone', 'berth-test-back']);
  });

  it('on daemon start, always brings a stopped container back; unless-stopped leaves a stopped one', async () => {
    for (const policy of ['always', 'unless-stopped'])
      await daemon.cli([
        'run',
        '-d',
        '--name',
        `berth-test-${policy}`,
        '--network',
        'none',
        '--restart',
        policy,
        'busybox',
        'sleep',
        '100',
      ]);
    await daemon.cli(['stop', '-t', '0', 'berth-test-always', 'berth-test-unless-stopped']);
    await daemon.stop('SIGTERM');
    await daemon.startProcess();
    expect((await state('berth-test-always')).Status).toBe('running');
    expect((await state('berth-test-unless-stopped')).Status).toBe('exited');
    await daemon.cli(['rm', '-f', 'berth-test-always', 'berth-test-unless-stopped']);
  });

  it('--rm removes the container and its rw layer after it exits, also when detached', async () => {
    await daemon.cli([
      'run',
      '-d',
      '--rm',
      '--name',
      'berth-test-autorm',
      '--network',
      'none',
      'busybox',
      'sh',
      '-c',
      'sleep 0.3',
    ]);
    await until(
      () => daemon.cli(['inspect', 'berth-test-autorm'], { allowFail: true }),
      (r) => r.code !== 0,
    );
    expect((await daemon.cli(['inspect', 'berth-test-autorm'], { allowFail: true })).code).toBe(1);
    // docker stop of a --rm container stops it, then it goes away.
    await daemon.cli([
      'run',
      '-d',
      '--rm',
      '--name',
      'berth-test-autorm-stop',
      '--network',
      'none',
      'busybox',
      'sleep',
      '100',
    ]);
    await daemon.cli(['stop', '-t', '0', 'berth-test-autorm-stop']);
    await until(
      () => daemon.cli(['inspect', 'berth-test-autorm-stop'], { allowFail: true }),
      (r) => r.code !== 0,
    );
    expect((await daemon.cli(['inspect', 'berth-test-autorm-stop'], { allowFail: true })).code).toBe(1);
    expect(containerLeftovers(daemon)).toEqual({ mounts: [], cgroups: [], runtime: [] });
  });
});
