import { rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './harness/berthd.js';
import { buildSteps, builtId, contextDir, dockerBuild, writeContext } from './harness/docker-build.js';
import { apiRequest } from './harness/registry-images.js';

/** The classic builder's layer cache, through Debian's docker 20.10 CLI (DOCKER_BUILDKIT=0). */
describe('docker build cache', () => {
  let daemon: TestDaemon;
  const dirs: string[] = [];
  const tags: string[] = [];
  const docker = (args: string[], options?: Parameters<TestDaemon['cli']>[1]) =>
    daemon.cli(args, { timeout: 120_000, ...options });
  const ctx = (files: Record<string, string>) => {
    const dir = contextDir(files);
    dirs.push(dir);
    return dir;
  };
  const build = async (dir: string, args: string[] = []) => {
    const out = await dockerBuild(daemon, dir, args);
    expect(out.code, `${out.stdout}\n${out.stderr}\n${daemon.log}`).toBe(0);
    return out.stdout;
  };
  const ids = async (all: boolean) =>
    (await docker(['images', '-q', '--no-trunc', ...(all ? ['-a'] : [])])).stdout
      .split('\n')
      .filter(Boolean)
      .sort();
  const idOf = async (name: string) =>
    (await docker(['image', 'inspect', '-f', '{{.Id}}', name])).stdout.trim();
  const df = async (version: string) =>
    JSON.parse((await apiRequest(daemon.socket, 'GET', `/v${version}/system/df`)).body) as Record<
      string,
      unknown
    >;

  beforeAll(async () => {
    daemon = await TestDaemon.start();
  });
  afterEach(async () => {
    for (const tag of tags.splice(0)) await docker(['rmi', '-f', tag], { allowFail: true });
    await docker(['image', 'prune', '-f'], { allowFail: true });
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    await daemon?.destroy();
  });

  it('a second identical build takes every step from the cache and gives the same image', async () => {
    const dir = ctx({
      Dockerfile: [
        'FROM busybox',
        'ENV GREETING=hi',
        'WORKDIR /app',
        'COPY a.txt ./',
        'RUN cat a.txt > out.txt',
        'CMD ["cat", "/app/out.txt"]',
      ].join('\n'),
      'a.txt': 'first\n',
    });
    tags.push('berth-test-cache-same');
    const before = await ids(true);
    const first = await build(dir, ['-t', 'berth-test-cache-same']);
    expect(buildSteps(first).some((s) => s.cached)).toBe(false);
    const id = await idOf('berth-test-cache-same');

    const second = await build(dir, ['-t', 'berth-test-cache-same']);
    expect(buildSteps(second).map((s) => s.cached)).toEqual([false, true, true, true, true, true]);
    expect(second).not.toContain('Running in');
    expect(builtId(second)).toBe(builtId(first));
    expect(await idOf('berth-test-cache-same')).toBe(id);
    expect((await docker(['run', '--rm', 'berth-test-cache-same'])).stdout).toBe('first\n');

    // The step images are kept as untagged parents: `images -a` shows them, `images` does not.
    const all = await ids(true);
    expect(all.length).toBe(before.length + 5);
    expect(await ids(false)).toEqual([...new Set([...before, id])].sort());
    // `docker history` names them, down to the base image.
    const history = (await docker(['history', '-q', '--no-trunc', 'berth-test-cache-same'])).stdout.split(
      '\n',
    );
    expect(history.slice(0, 6).every((h) => h.startsWith('sha256:'))).toBe(true);
    expect(history[0]).toBe(id);
    expect(history[5]).toBe(await idOf('busybox'));
  });

  it('a changed file misses from its COPY on; a touched but unchanged one still hits', async () => {
    const dir = ctx({
      Dockerfile: 'FROM busybox\nENV A=1\nCOPY a.txt /a.txt\nRUN cat /a.txt > /copy\nLABEL done=yes\n',
      'a.txt': 'one\n',
    });
    tags.push('berth-test-cache-change');
    await build(dir, ['-t', 'berth-test-cache-change']);
    const oldId = await idOf('berth-test-cache-change');

    const future = new Date(Date.now() + 60_000);
    utimesSync(join(dir, 'a.txt'), future, future);
    const touched = await build(dir, ['-t', 'berth-test-cache-change']);
    expect(buildSteps(touched).map((s) => s.cached)).toEqual([false, true, true, true, true]);

    writeContext(dir, { 'a.txt': 'two\n' });
    const changed = await build(dir, ['-t', 'berth-test-cache-change']);
    expect(buildSteps(changed).map((s) => s.cached)).toEqual([false, true, false, false, false]);
    expect(changed).toContain(' ---> Running in');
    expect((await docker(['run', '--rm', 'berth-test-cache-change', 'cat', '/copy'])).stdout).toBe('two\n');
    // The earlier result lost its tag: it is a dangling image now, as with dockerd.
    expect(await idOf('berth-test-cache-change')).not.toBe(oldId);
    const dangling = (await docker(['images', '-q', '--no-trunc', '--filter', 'dangling=true'])).stdout;
    expect(dangling).toContain(oldId);
  });

  it('a RUN is keyed by the build args it sees; --no-cache runs every step', async () => {
    const dir = ctx({ Dockerfile: 'FROM busybox\nARG MSG=default\nRUN echo "$MSG" > /msg\n' });
    tags.push('berth-test-cache-args');
    const withArg = (msg: string, extra: string[] = []) =>
      build(dir, ['-t', 'berth-test-cache-args', '--build-arg', `MSG=${msg}`, ...extra]);
    await withArg('one');
    const one = await idOf('berth-test-cache-args');
    expect(buildSteps(await withArg('one')).map((s) => s.cached)).toEqual([false, true, true]);
    expect(await idOf('berth-test-cache-args')).toBe(one);

    expect(buildSteps(await withArg('two')).map((s) => s.cached)).toEqual([false, true, false]);
    expect((await docker(['run', '--rm', 'berth-test-cache-args', 'cat', '/msg'])).stdout).toBe('two\n');
    // Back to the first value: its image is found again.
    expect(buildSteps(await withArg('one')).map((s) => s.cached)).toEqual([false, true, true]);
    expect(await idOf('berth-test-cache-args')).toBe(one);

    const fresh = await withArg('one', ['--no-cache']);
    expect(fresh).not.toContain('Using cache');
    expect(await idOf('berth-test-cache-args')).not.toBe(one);
  });

  it('rmi of the result removes its intermediate images, and the next build starts over', async () => {
    const dir = ctx({ Dockerfile: 'FROM busybox\nRUN echo x > /x\nENV B=2\n' });
    const before = await ids(true);
    await build(dir, ['-t', 'berth-test-cache-rmi']);
    const built = await idOf('berth-test-cache-rmi');
    expect((await ids(true)).length).toBe(before.length + 2);
    const removed = await docker(['rmi', 'berth-test-cache-rmi']);
    expect(removed.stdout).toContain('Untagged: berth-test-cache-rmi:latest');
    expect(removed.stdout).toContain(`Deleted: ${built}`);
    expect(removed.stdout.match(/^Deleted: sha256:/gm)?.length).toBeGreaterThanOrEqual(2);
    expect(await ids(true)).toEqual(before);
    // The base image stays, with its name.
    expect(await idOf('busybox')).toMatch(/^sha256:/);
    tags.push('berth-test-cache-rmi');
    expect((await build(dir, ['-t', 'berth-test-cache-rmi'])).includes('Using cache')).toBe(false);
  });

  it('a failed build keeps its finished steps for the next one; image prune and builder prune remove them', async () => {
    const dir = ctx({ Dockerfile: 'FROM busybox\nRUN echo ok > /ok\nRUN exit 3\n' });
    const before = await ids(true);
    const failed = await dockerBuild(daemon, dir, ['-t', 'berth-test-cache-fail']);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toContain("The command '/bin/sh -c exit 3' returned a non-zero code: 3");
    const again = await dockerBuild(daemon, dir, ['-t', 'berth-test-cache-fail']);
    expect(buildSteps(again.stdout).map((s) => s.cached)).toEqual([false, true, false]);
    expect(await ids(true)).toHaveLength(before.length + 1);
    expect((await docker(['ps', '-aq'])).stdout.trim()).not.toBe('');
    for (const c of (await docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean)) await docker(['rm', c]);

    // /system/df reports the step as build cache no image needs: all of it reclaimable.
    const usage = (await df('1.52')).BuildCacheUsage as Record<string, number>;
    expect(usage.TotalCount).toBe(1);
    expect(usage.ActiveCount).toBe(0);
    expect(usage.Reclaimable).toBeGreaterThan(0);
    expect(usage.TotalSize).toBe(usage.Reclaimable);
    const legacy = (await df('1.41')).BuildCache as { Description: string; Shared: boolean; Size: number }[];
    expect(legacy).toEqual([
      expect.objectContaining({
        Description: '/bin/sh -c echo ok > /ok',
        Shared: false,
        Size: usage.Reclaimable,
      }),
    ]);

    const pruned = await docker(['builder', 'prune', '-f']);
    expect(pruned.stdout).toMatch(/Total reclaimed space: [1-9]/);
    expect(await ids(true)).toEqual(before);
    const empty = await apiRequest(daemon.socket, 'POST', '/v1.41/build/prune');
    expect(JSON.parse(empty.body)).toEqual({ CachesDeleted: null, SpaceReclaimed: 0 });

    // The same through `docker image prune`: the dangling step image goes.
    await dockerBuild(daemon, dir, ['--force-rm']);
    expect(await ids(true)).toHaveLength(before.length + 1);
    await docker(['image', 'prune', '-f']);
    expect(await ids(true)).toEqual(before);
  });

  it('system df counts the steps of a tagged image as shared cache; builder prune --all forgets them', async () => {
    const dir = ctx({ Dockerfile: 'FROM busybox\nRUN echo y > /y\nENV C=3\n' });
    tags.push('berth-test-cache-df');
    await build(dir, ['-t', 'berth-test-cache-df']);
    const legacy = (await df('1.41')).BuildCache as { Shared: boolean; Description: string }[];
    expect(legacy.map((c) => c.Shared)).toEqual([true, true]);
    const usage = (await df('1.52')).BuildCacheUsage as Record<string, number>;
    expect(usage).toMatchObject({ ActiveCount: 2, TotalCount: 2, Reclaimable: 0 });
    // Nothing to reclaim without --all; with it, the entries go and the image stays.
    await docker(['builder', 'prune', '-f']);
    expect(buildSteps(await build(dir)).map((s) => s.cached)).toEqual([false, true, true]);
    await docker(['builder', 'prune', '-f', '--all']);
    expect(await idOf('berth-test-cache-df')).toMatch(/^sha256:/);
    expect((await build(dir, ['-t', 'berth-test-cache-df'])).includes('Using cache')).toBe(false);
  });
});
