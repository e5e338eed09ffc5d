import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './harness/berthd.js';
import { apiRequest } from './harness/registry-images.js';

/** `docker image prune -a` and `docker system prune` through Debian's docker 20.10 CLI. */
describe('pruning images', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await TestDaemon.start();
  });
  afterAll(async () => {
    await daemon?.destroy();
  });

  const names = async () =>
    (await daemon.cli(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout
      .split('\n')
      .filter(Boolean)
      .sort();

  it('keeps every name of an image a stopped container uses, removes the rest, then it once unused', async () => {
    await daemon.cli(['tag', 'busybox', 'berth-test/bb:1']);
    await daemon.cli(['create', '--name', 'berth-test-user', 'berth-test/bb:1', 'true']);
    const pruned = await daemon.cli(['image', 'prune', '-a', '-f']);
    expect(pruned.stdout).toContain('untagged: hello:latest');
    expect(await names()).toEqual(['berth-test/bb:1', 'busybox:latest']);

    await daemon.cli(['rm', 'berth-test-user']);
    const system = await daemon.cli(['system', 'prune', '-a', '-f']);
    expect(system.stdout).toContain('untagged: busybox:latest');
    expect(await names()).toEqual([]);
    // No build cache to prune, and it says so rather than failing.
    const res = await apiRequest(daemon.socket, 'POST', '/v1.43/build/prune');
    expect(JSON.parse(res.body)).toEqual({ CachesDeleted: null, SpaceReclaimed: 0 });
  });
});
