import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './harness/berthd.js';

interface Health {
  Status: string;
  FailingStreak: number;
  Log: { ExitCode: number; Output: string }[];
}

/** Healthchecks (`docker run --health-*`) through Debian's docker 20.10 CLI. */
describe('container healthchecks', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await TestDaemon.start();
  });
  afterAll(async () => {
    await daemon?.destroy();
  });

  const health = async (name: string): Promise<Health | null> =>
    JSON.parse((await daemon.cli(['inspect', '-f', '{{json .State.Health}}', name])).stdout);
  const until = async (name: string, status: string): Promise<Health> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const h = await health(name);
      if (h?.Status === status) return h;
      if (Date.now() > deadline) throw new Error(`${name} never became ${status}: ${JSON.stringify(h)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('goes starting → unhealthy after the retries → healthy, with events, ps status and the health filter', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    await daemon.cli([
      'run',
      '-d',
      '--name',
      'berth-test-health',
      '--network',
      'none',
      '--health-cmd',
      'test -f /tmp/ready && echo ready',
      '--health-interval',
      '200ms',
      '--health-retries',
      '2',
      'busybox',
      'sleep',
      '60',
    ]);
    expect((await health('berth-test-health'))?.Status).toMatch(/starting|unhealthy/);
    const sick = await until('berth-test-health', 'unhealthy');
    expect(sick.FailingStreak).toBeGreaterThanOrEqual(2);
    expect(sick.Log.every((p) => p.ExitCode === 1)).toBe(true);
    expect(
      (await daemon.cli(['ps', '--format', '{{.Status}}', '-f', 'name=berth-test-health'])).stdout,
    ).toMatch(/^Up .* \(unhealthy\)\n$/);

    await daemon.cli(['exec', 'berth-test-health', 'touch', '/tmp/ready']);
    const well = await until('berth-test-health', 'healthy');
    expect(well.FailingStreak).toBe(0);
    expect(well.Log.at(-1)).toMatchObject({ ExitCode: 0, Output: 'ready\n' });
    expect(well.Log.length).toBeLessThanOrEqual(5);
    expect((await daemon.cli(['ps', '-q', '--no-trunc', '-f', 'health=healthy'])).stdout).toContain(
      (await daemon.cli(['inspect', '-f', '{{.Id}}', 'berth-test-health'])).stdout.trim(),
    );
    expect((await daemon.cli(['ps', '-q', '-f', 'health=unhealthy'])).stdout).toBe('');

    const events = await daemon.cli([
      'events',
      '--since',
      String(since),
      '--until',
      String(Math.floor(Date.now() / 1000) + 1),
      '--filter',
      'container=berth-test-health',
      '--format',
      '{{.Action}}',
    ]);
    const actions = events.stdout.split('\n').filter((a) => a.startsWith('health_status'));
    expect(actions).toEqual(['health_status: unhealthy', 'health_status: healthy']);
    await daemon.cli(['rm', '-f', 'berth-test-health']);
  });

  it('kills a probe that runs past its timeout and counts it as a failure', async () => {
    await daemon.cli([
      'run',
      '-d',
      '--name',
      'berth-test-health-slow',
      '--network',
      'none',
      '--health-cmd',
      'sleep 10',
      '--health-interval',
      '200ms',
      '--health-timeout',
      '300ms',
      '--health-retries',
      '1',
      'busybox',
      'sleep',
      '60',
    ]);
    const h = await until('berth-test-health-slow', 'unhealthy');
    expect(h.Log[0]).toMatchObject({ ExitCode: -1, Output: expect.stringContaining('exceeded timeout') });
    // The killed probe is gone from the container.
    const ps = await daemon.cli(['top', 'berth-test-health-slow']);
    expect(ps.stdout.split('\n').filter((l) => l.includes('sleep 10')).length).toBeLessThanOrEqual(1);
    await daemon.cli(['rm', '-f', 'berth-test-health-slow']);
  });

  it('has no health state without a healthcheck, or with --no-healthcheck', async () => {
    await daemon.cli(['create', '--name', 'berth-test-nohealth', '--no-healthcheck', 'busybox', 'true']);
    expect(await health('berth-test-nohealth')).toBeNull();
    expect(
      (await daemon.cli(['ps', '-aq', '-f', 'health=none', '-f', 'name=berth-test-nohealth'])).stdout,
    ).not.toBe('');
    const bad = await daemon.cli(['ps', '-f', 'health=sickly'], { allowFail: true });
    expect(bad.code).toBe(1);
    await daemon.cli(['rm', 'berth-test-nohealth']);
  });
});
