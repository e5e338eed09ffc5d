import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './harness/berthd.js';
import { apiRequest } from './harness/registry-images.js';

/** `docker volume …` and `-v` with volumes, through Debian's docker 20.10 CLI (API 1.41). */
describe('volumes through berthd', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await TestDaemon.start();
  });
  afterAll(async () => {
    await daemon?.destroy();
  });

  const volumeNames = async () =>
    (await daemon.cli(['volume', 'ls', '-q'])).stdout.split('\n').filter(Boolean).sort();
  const dataOf = (name: string) => join(daemon.dataRoot, 'volumes', name, '_data');

  it('creates, lists with filters, inspects and removes a named volume', async () => {
    expect((await daemon.cli(['volume', 'create', '--label', 'berth-test=1', 'berth-test-vol'])).stdout).toBe(
      'berth-test-vol\n',
    );
    // Creating it again is not an error and changes nothing.
    await daemon.cli(['volume', 'create', 'berth-test-vol']);
    const inspected = JSON.parse((await daemon.cli(['volume', 'inspect', 'berth-test-vol'])).stdout)[0];
    expect(inspected).toMatchObject({
      Name: 'berth-test-vol',
      Driver: 'local',
      Scope: 'local',
      Labels: { 'berth-test': '1' },
      Mountpoint: dataOf('berth-test-vol'),
    });
    expect(existsSync(inspected.Mountpoint)).toBe(true);
    expect((await daemon.cli(['volume', 'ls', '-q', '--filter', 'label=berth-test=1'])).stdout).toBe(
      'berth-test-vol\n',
    );
    expect((await daemon.cli(['volume', 'ls', '-q', '--filter', 'label=other'])).stdout).toBe('');
    expect((await daemon.cli(['volume', 'ls', '-q', '--filter', 'dangling=true'])).stdout).toContain(
      'berth-test-vol',
    );

    const missing = await daemon.cli(['volume', 'inspect', 'berth-test-nope'], { allowFail: true });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such volume/i);
    const bad = await daemon.cli(['volume', 'create', 'berth test/../x'], { allowFail: true });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('includes invalid characters for a local volume name');

    await daemon.cli(['volume', 'rm', 'berth-test-vol']);
    expect(await volumeNames()).not.toContain('berth-test-vol');
    expect(existsSync(join(daemon.dataRoot, 'volumes', 'berth-test-vol'))).toBe(false);
  });

  it('keeps data across containers, copies the image content into an empty volume, refuses removal in use', async () => {
    const r = await daemon.cli([
      'run',
      '--name',
      'berth-test-vol-writer',
      '--network',
      'none',
      '-v',
      'berth-test-data:/etc',
      'busybox',
      'sh',
      '-c',
      'echo kept > /etc/berth-note; cat /etc/passwd | head -1',
    ]);
    // The image's /etc was copied in before the container started.
    expect(r.stdout).toBe('root:x:0:0:root:/root:/bin/sh\n');
    expect(readFileSync(join(dataOf('berth-test-data'), 'berth-note'), 'utf8')).toBe('kept\n');

    const inUse = await daemon.cli(['volume', 'rm', 'berth-test-data'], { allowFail: true });
    expect(inUse.code).toBe(1);
    expect(inUse.stderr).toMatch(/volume is in use/);
    expect((await daemon.cli(['volume', 'ls', '-q', '--filter', 'dangling=false'])).stdout).toContain(
      'berth-test-data',
    );
    const mounts = JSON.parse(
      (await daemon.cli(['inspect', '-f', '{{json .Mounts}}', 'berth-test-vol-writer'])).stdout,
    );
    expect(mounts).toEqual([
      expect.objectContaining({ Type: 'volume', Name: 'berth-test-data', Destination: '/etc', RW: true }),
    ]);
    await daemon.cli(['rm', '-v', 'berth-test-vol-writer']);

    // A second container sees what the first wrote; a non-empty volume is not copied over.
    const reader = await daemon.cli([
      'run',
      '--rm',
      '--network',
      'none',
      '-v',
      'berth-test-data:/data:ro',
      'busybox',
      'sh',
      '-c',
      'cat /data/berth-note; touch /data/x 2>/dev/null || echo read-only',
    ]);
    expect(reader.stdout).toBe('kept\nread-only\n');
    // rm -v keeps named volumes.
    expect(await volumeNames()).toContain('berth-test-data');
    await daemon.cli(['volume', 'rm', 'berth-test-data']);
  });

  it('gives `-v /path` an anonymous volume that lives across restarts and goes with rm -v', async () => {
    const before = await volumeNames();
    await daemon.cli([
      'run',
      '--name',
      'berth-test-anon',
      '--network',
      'none',
      '-v',
      '/scratch',
      'busybox',
      'sh',
      '-c',
      'echo $$ >> /scratch/runs',
    ]);
    const added = (await volumeNames()).filter((n) => !before.includes(n));
    expect(added).toHaveLength(1);
    const [anon] = added as [string];
    expect(anon).toMatch(/^[0-9a-f]{64}$/);
    // The same volume again at the next start: two lines in one file.
    await daemon.cli(['start', '-a', 'berth-test-anon']);
    expect(
      readFileSync(join(dataOf(anon), 'runs'), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(2);
    const labels = JSON.parse((await daemon.cli(['volume', 'inspect', anon])).stdout)[0].Labels;
    expect(labels).toHaveProperty('com.docker.volume.anonymous');

    await daemon.cli(['rm', '-v', 'berth-test-anon']);
    expect(await volumeNames()).toEqual(before);
    expect(existsSync(join(daemon.dataRoot, 'volumes', anon))).toBe(false);

    // --rm takes its anonymous volumes too.
    await daemon.cli(['run', '--rm', '--network', 'none', '-v', '/scratch', 'busybox', 'true']);
    expect(await volumeNames()).toEqual(before);
  });

  it('prunes anonymous volumes only from API 1.42 on unless all=true, and counts them in system df', async () => {
    await daemon.cli(['volume', 'create', 'berth-test-named']);
    const anon = JSON.parse(
      (await apiRequest(daemon.socket, 'POST', '/v1.43/volumes/create', { body: '{}' })).body,
    ).Name as string;
    const df = JSON.parse((await apiRequest(daemon.socket, 'GET', '/v1.43/system/df')).body);
    expect(df.Volumes.map((v: { Name: string }) => v.Name)).toEqual(
      expect.arrayContaining(['berth-test-named', anon]),
    );
    expect(df.Volumes[0].UsageData).toEqual({ Size: 0, RefCount: 0 });

    const pruned = JSON.parse((await apiRequest(daemon.socket, 'POST', '/v1.43/volumes/prune')).body);
    expect(pruned.VolumesDeleted).toEqual([anon]);
    expect(await volumeNames()).toContain('berth-test-named');
    const all = await apiRequest(
      daemon.socket,
      'POST',
      `/v1.43/volumes/prune?filters=${encodeURIComponent('{"all":["true"]}')}`,
    );
    expect(JSON.parse(all.body).VolumesDeleted).toContain('berth-test-named');
    expect(readdirSync(join(daemon.dataRoot, 'volumes'))).toEqual([]);

    const badFilter = await apiRequest(
      daemon.socket,
      'GET',
      '/v1.43/volumes?filters=%7B%22colour%22%3A%5B%22x%22%5D%7D',
    );
    expect(badFilter.status).toBe(400);
    const badDriver = await apiRequest(daemon.socket, 'POST', '/v1.43/volumes/create', {
      body: '{"Name":"berth-test-x","Driver":"nfs-plugin"}',
    });
    expect(badDriver.status).toBe(404);
    expect(await volumeNames()).not.toContain('berth-test-x');
  });
});
