import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { type LargeImageFixture, largeImage, type RegistryHandle, startRegistry } from '@berth/fixtures';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './harness/berthd.js';
import { pushFixture } from './harness/registry-images.js';

describe('images: an interrupted pull leaves a consistent store', () => {
  let daemon: TestDaemon;
  let registry: RegistryHandle;
  let large: LargeImageFixture;
  let ref: string;

  const pulls = () => {
    const db = new Database(join(daemon.dataRoot, 'berth.db'), { readonly: true });
    try {
      return db.prepare('SELECT reference FROM pulls').all();
    } finally {
      db.close();
    }
  };
  const state = async () => ({
    images: (await daemon.docker.listImages()).map((i) => `${i.Id} ${i.RepoTags?.join(',')}`).sort(),
    blobs: readdirSync(join(daemon.dataRoot, 'content/blobs/sha256')).sort(),
    layers: readdirSync(join(daemon.dataRoot, 'layers/layers/sha256')).sort(),
  });

  /** Starts a pull over the API and resolves with the request once a message matches `when`. */
  const pullUntil = (when: (message: { status?: string }) => boolean) =>
    new Promise<ReturnType<typeof request>>((resolve, reject) => {
      const req = request(
        {
          socketPath: daemon.socket,
          method: 'POST',
          path: `/v1.41/images/create?fromImage=${encodeURIComponent(ref)}&tag=latest`,
        },
        (res) => {
          let buffered = '';
          res.on('data', (chunk) => {
            buffered += chunk;
            const lines = buffered.split('\n');
            buffered = lines.pop() ?? '';
            if (lines.some((l) => l && when(JSON.parse(l)))) resolve(req);
          });
          res.on('end', () => reject(new Error('the pull ended before the expected message')));
          res.on('error', () => undefined);
        },
      );
      req.on('error', () => undefined);
      req.end();
    });

  const waitFor = async (check: () => Promise<boolean>, what: string) => {
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
  };

  beforeAll(async () => {
    [daemon, registry, large] = await Promise.all([TestDaemon.start(), startRegistry(), largeImage()]);
    ref = `${registry.host}/berth-test/large`;
    await pushFixture(registry.host, large, 'berth-test/large:latest');
  });
  afterAll(async () => {
    await daemon?.destroy();
    await registry?.stop();
  });

  it('a client that goes away cancels the pull, and what it fetched is removed', async () => {
    const before = await state();
    const req = await pullUntil((m) => m.status === 'Downloading');
    req.destroy();
    await waitFor(async () => pulls().length === 0, 'the pull to stop');
    expect(await state()).toEqual(before);
  });

  it('after kill -9 in the middle of a pull, the restarted daemon has no trace of it and pulls again', async () => {
    const before = await state();
    // Killed once layers are being unpacked: blobs stored and layer references taken, no image yet.
    await pullUntil((m) => m.status === 'Pull complete');
    await daemon.stop('SIGKILL');
    expect(pulls()).toEqual([{ reference: `${ref}:latest` }]);

    await daemon.startProcess();
    expect(pulls()).toEqual([]);
    expect(await state()).toEqual(before);
    const missing = await daemon.cli(['image', 'inspect', ref], { allowFail: true });
    expect(missing.code).toBe(1);

    const started = Date.now();
    const { stdout } = await daemon.cli(['pull', ref]);
    const seconds = (Date.now() - started) / 1000;
    expect(stdout).toContain(`Status: Downloaded newer image for ${ref}:latest`);
    expect(stdout.match(/Pull complete/g)).toHaveLength(large.layers.length);
    const listed = await daemon.cli(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
    expect(listed.stdout).toContain(`${ref}:latest ${large.configDigest.slice(7, 19)}`);
    expect(listed.stdout).toContain('busybox:latest');
    const inspect = await daemon.docker.getImage(ref).inspect();
    expect(inspect.RootFS.Layers).toEqual(large.layers.map((l) => l.diffId));
    console.log(`pull of the ${large.layers.length}-layer large image: ${seconds.toFixed(2)} s`);

    await daemon.cli(['rmi', ref]);
    expect(await state()).toEqual(before);
  });
});
