import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './harness/berthd.js';

/** `docker update` through Debian's docker 20.10 CLI. */
describe('docker update', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await TestDaemon.start();
  });
  afterAll(async () => {
    await daemon?.destroy();
  });

  const hostConfig = async (name: string) =>
    JSON.parse((await daemon.cli(['inspect', '-f', '{{json .HostConfig}}', name])).stdout);

  it('changes a running container’s limits at once, and its restart policy', async () => {
    await daemon.cli([
      'run',
      '-d',
      '--name',
      'berth-test-upd',
      '--network',
      'none',
      '-m',
      '32m',
      'busybox',
      'sleep',
      '300',
    ]);
    await daemon.cli([
      'update',
      '--memory',
      '64m',
      '--memory-swap',
      '128m',
      '--pids-limit',
      '20',
      'berth-test-upd',
    ]);
    const h = await hostConfig('berth-test-upd');
    expect(h).toMatchObject({ Memory: 64 * 1024 * 1024, MemorySwap: 128 * 1024 * 1024, PidsLimit: 20 });
    const stats = JSON.parse(
      (await daemon.cli(['stats', '--no-stream', '--format', '{{json .}}', 'berth-test-upd'])).stdout,
    );
    expect(stats.MemUsage).toMatch(/ \/ 64MiB$/);
    // The cgroup has the new pids limit too.
    const raw = await daemon.docker.getContainer('berth-test-upd').stats({ stream: false });
    expect(raw.pids_stats?.limit).toBe(20);

    await daemon.cli(['update', '--restart', 'on-failure:3', 'berth-test-upd']);
    expect((await hostConfig('berth-test-upd')).RestartPolicy).toEqual({
      Name: 'on-failure',
      MaximumRetryCount: 3,
    });

    const tooSmall = await daemon.cli(['update', '--memory', '1k', 'berth-test-upd'], { allowFail: true });
    expect(tooSmall.code).toBe(1);
    expect(tooSmall.stderr).toContain('Minimum memory limit allowed is 6MB');
    expect((await hostConfig('berth-test-upd')).Memory).toBe(64 * 1024 * 1024);
    await daemon.cli(['rm', '-f', 'berth-test-upd']);
  });

  it('refuses a restart policy on an --rm container, and a container that does not exist', async () => {
    await daemon.cli(['create', '--rm', '--name', 'berth-test-upd-rm', 'busybox', 'true']);
    const r = await daemon.cli(['update', '--restart', 'always', 'berth-test-upd-rm'], { allowFail: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Restart policy cannot be updated because AutoRemove is enabled');
    const missing = await daemon.cli(['update', '--memory', '64m', 'berth-test-nope'], { allowFail: true });
    expect(missing.stderr).toMatch(/No such container/);
    await daemon.cli(['rm', 'berth-test-upd-rm']);
  });
});
