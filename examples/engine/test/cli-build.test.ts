import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './harness/berthd.js';
import { berth } from './harness/cli.js';
import { buildSteps, contextDir } from './harness/docker-build.js';

/** `berth build`: the context tarred by the CLI, the daemon's classic build stream printed as docker does. */
describe('berth build', () => {
  let daemon: TestDaemon;
  const dirs: string[] = [];
  const tags: string[] = [];
  const run = (args: string[]) => berth(daemon, args, { timeout: 120_000 });
  const ctx = (files: Record<string, string>) => {
    const dir = contextDir(files);
    dirs.push(dir);
    return dir;
  };
  const shell = async (image: string, script: string) =>
    (await run(['run', '--rm', image, 'sh', '-c', script])).stdout;

  beforeAll(async () => {
    daemon = await TestDaemon.start();
  });
  afterEach(async () => {
    for (const c of (await run(['ps', '-aq'])).stdout.split('\n').filter(Boolean)) await run(['rm', '-f', c]);
    for (const tag of tags.splice(0)) await run(['rmi', '-f', tag]);
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    await daemon?.destroy();
  });

  it('sends the context with .dockerignore applied, takes -f outside it and build args, and rebuilds from the cache', async () => {
    const dir = ctx({
      '.dockerignore': '# comment\n*.log\nsecret/\n!keep.log\n',
      'app/main.txt': 'main\n',
      'debug.log': 'noise',
      'keep.log': 'kept',
      'secret/key': 'k',
    });
    const outside = mkdtempSync(join(tmpdir(), 'berth-test-build-df-'));
    dirs.push(outside);
    writeFileSync(
      join(outside, 'Build.dockerfile'),
      'FROM busybox\nARG WHO\nCOPY . /ctx/\nRUN echo "hello $WHO" > /hello\nCMD ["cat", "/hello"]\n',
    );
    tags.push('berth-test-cli-build');
    const args = ['build', '-t', 'berth-test-cli-build', '-f', join(outside, 'Build.dockerfile')];
    const first = await run([...args, '--build-arg', 'WHO=berth', dir]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Sending build context to Docker daemon {2}\d+(\.\d+)?k?B\n/);
    expect(first.stdout).toContain('Step 1/5 : FROM busybox');
    expect(first.stdout).toMatch(/ ---> Running in [0-9a-f]{12}\n/);
    expect(first.stdout).toMatch(/Successfully built [0-9a-f]{12}\n/);
    expect(first.stdout).toContain('Successfully tagged berth-test-cli-build:latest');
    expect((await run(['run', '--rm', 'berth-test-cli-build'])).stdout).toBe('hello berth\n');
    // Ignored files stayed home; the exception and the rest went; the added Dockerfile was dropped.
    expect((await shell('berth-test-cli-build', 'cd /ctx && find . -type f | sort')).split('\n')).toEqual([
      './.dockerignore',
      './app/main.txt',
      './keep.log',
      '',
    ]);

    const again = await run([...args, '--build-arg', 'WHO=berth', dir]);
    expect(again.code, again.stderr).toBe(0);
    expect(buildSteps(again.stdout).map((s) => s.cached)).toEqual([false, true, true, true, true]);
    const other = await run([...args, '--build-arg', 'WHO=you', dir]);
    expect(buildSteps(other.stdout).map((s) => s.cached)).toEqual([false, true, true, false, false]);
    expect((await run(['run', '--rm', 'berth-test-cli-build'])).stdout).toBe('hello you\n');
  });

  it('-q prints only the image ID, --no-cache and --target are honoured, a failed RUN sets the exit status', async () => {
    const dir = ctx({
      Dockerfile: 'FROM busybox AS base\nRUN echo base > /stage\nFROM base AS broken\nRUN exit 7\n',
    });
    tags.push('berth-test-cli-build-q');
    const quiet = await run(['build', '-q', '--target', 'base', '-t', 'berth-test-cli-build-q', dir]);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toMatch(/^sha256:[0-9a-f]{64}\n$/);
    const inspected = JSON.parse((await run(['image', 'inspect', 'berth-test-cli-build-q'])).stdout)[0];
    expect(inspected.Id).toBe(quiet.stdout.trim());

    const fresh = await run(['build', '--no-cache', '--target', 'base', dir]);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stdout).not.toContain('Using cache');
    expect(fresh.stdout).toContain(' ---> Running in ');

    const failed = await run(['build', dir]);
    expect(failed.code).toBe(7);
    expect(failed.stderr).toContain("The command '/bin/sh -c exit 7' returned a non-zero code: 7");

    const missing = await run(['build', join(dir, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('unable to prepare context: path');
  });
});
