import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type BusyboxImageFixture,
  busyboxImage,
  type RegistryHandle,
  startRegistry,
  startSecureRegistry,
} from '@berth/fixtures';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './harness/berthd.js';
import { apiRequest, jsonLines, pushFixture } from './harness/registry-images.js';

const short = (digest: string) => digest.replace('sha256:', '').slice(0, 12);

describe('images: pull, inspect, tag, rmi, push through berthd', () => {
  let daemon: TestDaemon;
  let registry: RegistryHandle;
  let busybox: BusyboxImageFixture;
  let repo: string;
  const started = Math.floor(Date.now() / 1000);

  const blobCount = () => readdirSync(join(daemon.dataRoot, 'content/blobs/sha256')).length;
  const layerCount = () => readdirSync(join(daemon.dataRoot, 'layers/layers/sha256')).length;
  /** Reads the engine's state directly, as a second SQLite reader (WAL). */
  const query = <T>(sql: string, ...args: unknown[]): T[] => {
    const db = new Database(join(daemon.dataRoot, 'berth.db'));
    try {
      return db.prepare(sql).all(...args) as T[];
    } finally {
      db.close();
    }
  };
  const exec = (sql: string, ...args: unknown[]) => {
    const db = new Database(join(daemon.dataRoot, 'berth.db'));
    try {
      db.prepare(sql).run(...args);
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    [daemon, registry, busybox] = await Promise.all([TestDaemon.start(), startRegistry(), busyboxImage()]);
    repo = `${registry.host}/berth-test/busybox`;
    await pushFixture(registry.host, busybox, 'berth-test/busybox:latest');
  });
  afterAll(async () => {
    await daemon?.destroy();
    await registry?.stop();
  });

  it('lists the embedded busybox image as busybox:latest', async () => {
    const { stdout } = await daemon.cli(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
    expect(stdout).toContain(`busybox:latest ${short(busybox.configDigest)}`);
    const listed = await daemon.docker.listImages();
    expect(listed.find((i) => i.RepoTags?.includes('busybox:latest'))?.Id).toBe(busybox.configDigest);
  });

  it('docker rmi of the last tag deletes the image and releases its layers', async () => {
    const layersBefore = layerCount();
    const { stdout } = await daemon.cli(['rmi', 'busybox']);
    expect(stdout).toContain('Untagged: busybox:latest');
    expect(stdout).toContain(`Deleted: ${busybox.configDigest}`);
    expect(layerCount()).toBe(layersBefore - 1);
    const missing = await daemon.cli(['inspect', 'busybox'], { allowFail: true });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No such object: busybox');
  });

  it('pulls with Docker progress messages and records tag and repo digest', async () => {
    const res = await apiRequest(
      daemon.socket,
      'POST',
      `/v1.41/images/create?fromImage=${encodeURIComponent(repo)}&tag=latest`,
    );
    expect(res.status).toBe(200);
    const messages = jsonLines(res.body);
    const layer = short(busybox.layers[0]?.digest as string);
    expect(messages[0]).toEqual({ status: 'Pulling from berth-test/busybox', id: 'latest' });
    const statuses = messages.filter((m) => m.id === layer).map((m) => m.status);
    expect(statuses[0]).toBe('Pulling fs layer');
    expect(statuses).toEqual(
      expect.arrayContaining(['Downloading', 'Verifying Checksum', 'Download complete', 'Extracting']),
    );
    expect(statuses.at(-1)).toBe('Pull complete');
    const downloading = messages.find((m) => m.status === 'Downloading') as {
      progressDetail: { current: number; total: number };
      progress: string;
    };
    expect(downloading.progressDetail.total).toBe(busybox.layers[0]?.size);
    expect(downloading.progress).toMatch(/^\[[=> ]+\]\s+\S+B\/\S+B$/);
    expect(messages.slice(-2)).toEqual([
      { status: `Digest: ${busybox.manifestDigest}` },
      { status: `Status: Downloaded newer image for ${repo}:latest` },
    ]);

    const again = await daemon.cli(['pull', repo]);
    expect(again.stdout).toContain(`Status: Image is up to date for ${repo}:latest`);
    expect(again.stdout).not.toContain('Pull complete');

    const [inspect] = (await daemon.cli(['inspect', repo]).then((r) => JSON.parse(r.stdout))) as [
      Record<string, unknown> & { Config: { Cmd: string[] }; RootFS: { Layers: string[] } },
    ];
    expect(inspect.Id).toBe(busybox.configDigest);
    expect(inspect.RepoTags).toEqual([`${repo}:latest`]);
    expect(inspect.RepoDigests).toEqual([`${repo}@${busybox.manifestDigest}`]);
    expect(inspect.RootFS).toEqual({ Type: 'layers', Layers: [busybox.layers[0]?.diffId] });
    expect(inspect.Config.Cmd).toEqual(['sh']);
    expect(inspect.Os).toBe('linux');
    expect(inspect.Size).toBeGreaterThan(1_000_000);
    expect((inspect.GraphDriver as { Name: string }).Name).toBe('overlay2');
    expect(inspect).toHaveProperty('Metadata.LastTagTime');

    const { stdout } = await daemon.cli([
      'images',
      '--digests',
      '--format',
      '{{.Repository}} {{.Tag}} {{.Digest}}',
    ]);
    expect(stdout).toContain(`${repo} latest ${busybox.manifestDigest}`);
  });

  it('docker history shows the image config history, newest first', async () => {
    const { stdout } = await daemon.cli([
      'history',
      '--no-trunc',
      '--format',
      '{{.ID}}|{{.CreatedBy}}',
      repo,
    ]);
    const rows = stdout.trim().split('\n');
    expect(rows[0]?.split('|')[0]).toBe(busybox.configDigest);
    const history = await daemon.docker.getImage(repo).history();
    expect(history[0]?.Tags).toEqual([`${repo}:latest`]);
    expect(history.reduce((sum: number, h: { Size: number }) => sum + h.Size, 0)).toBeGreaterThan(1_000_000);
  });

  it('docker tag adds a name; rmi of one of several names only untags', async () => {
    await daemon.cli(['tag', repo, 'berth-test-tagged:v1']);
    const listed = await daemon.docker.listImages({
      filters: JSON.stringify({ reference: ['berth-test-*'] }),
    });
    expect(listed.map((i) => i.RepoTags)).toEqual([[`${repo}:latest`, 'berth-test-tagged:v1'].sort()]);

    const byId = await daemon.cli(['rmi', short(busybox.configDigest)], { allowFail: true });
    expect(byId.code).toBe(1);
    expect(byId.stderr).toContain(
      `conflict: unable to delete ${short(busybox.configDigest)} (must be forced) - image is referenced in multiple repositories`,
    );
    const { stdout } = await daemon.cli(['rmi', 'berth-test-tagged:v1']);
    expect(stdout.trim()).toBe('Untagged: berth-test-tagged:v1');
    expect((await daemon.docker.getImage(repo).inspect()).Id).toBe(busybox.configDigest);
  });

  it('refuses to delete an image a container uses, as dockerd does', async () => {
    const containerId = 'c0ffee'.padEnd(64, '0');
    const state = (status: string) => JSON.stringify({ Status: status });
    exec(
      `INSERT INTO containers(id, name, image_id, image_name, created, config, host_config, networking, state)
       VALUES (?, 'berth-test-user', ?, ?, ?, '{}', '{}', '{}', ?)`,
      containerId,
      busybox.configDigest,
      repo,
      new Date().toISOString(),
      state('exited'),
    );
    try {
      const byName = await daemon.cli(['rmi', repo], { allowFail: true });
      expect(byName.stderr).toContain(
        `conflict: unable to remove repository reference "${repo}" (must force) - container ${short(containerId)} is using its referenced image ${short(busybox.configDigest)}`,
      );
      const stopped = await daemon.cli(['rmi', busybox.configDigest], { allowFail: true });
      expect(stopped.stderr).toContain(
        `conflict: unable to delete ${short(busybox.configDigest)} (must be forced) - image is being used by stopped container ${short(containerId)}`,
      );
      exec('UPDATE containers SET state = ? WHERE id = ?', state('running'), containerId);
      const running = await daemon.cli(['rmi', '-f', busybox.configDigest], { allowFail: true });
      expect(running.stderr).toContain(
        `conflict: unable to delete ${short(busybox.configDigest)} (cannot be forced) - image is being used by running container ${short(containerId)}`,
      );
      const error = await daemon.docker
        .getImage(busybox.configDigest)
        .remove()
        .catch((e: { statusCode: number }) => e);
      expect((error as { statusCode: number }).statusCode).toBe(409);
    } finally {
      exec('DELETE FROM containers WHERE id = ?', containerId);
    }
    expect((await daemon.docker.getImage(repo).inspect()).RepoTags).toEqual([`${repo}:latest`]);
  });

  it('docker push sends the stored blobs; the image pulls back by its new tag', async () => {
    const target = `${registry.host}/berth-test/pushed:v2`;
    await daemon.cli(['tag', repo, target]);
    const { stdout } = await daemon.cli(['push', target]);
    expect(stdout).toContain(`The push refers to repository [${registry.host}/berth-test/pushed]`);
    expect(stdout).toContain(`${short(busybox.layers[0]?.diffId as string)}: Pushed`);
    expect(stdout).toMatch(new RegExp(`v2: digest: ${busybox.manifestDigest} size: ${busybox.manifestSize}`));

    // dockerode sees the aux message with the pushed digest; the layer is there already.
    const stream = await daemon.docker.getImage(target).push({});
    const messages = jsonLines(await streamText(stream));
    expect(messages).toContainEqual(expect.objectContaining({ status: 'Layer already exists' }));
    expect(messages).toContainEqual({
      progressDetail: {},
      aux: { Tag: 'v2', Digest: busybox.manifestDigest, Size: busybox.manifestSize },
    });

    const tags = await fetch(`${registry.url}/v2/berth-test/pushed/tags/list`).then((r) => r.json());
    expect(tags).toEqual({ name: 'berth-test/pushed', tags: ['v2'] });

    const untag = await daemon.cli(['rmi', target]);
    expect(untag.stdout).toContain(`Untagged: ${target}`);
    const back = await daemon.cli(['pull', target]);
    expect(back.stdout).toContain(`Digest: ${busybox.manifestDigest}`);
    expect((await daemon.docker.getImage(target).inspect()).Id).toBe(busybox.configDigest);
  });

  it('gives Docker errors for a missing tag, a missing repository and a bad reference, leaving nothing', async () => {
    const images = (await daemon.docker.listImages()).length;
    const blobs = blobCount();
    const missingTag = await daemon.cli(['pull', `${repo}:nope`], { allowFail: true });
    expect(missingTag.code).toBe(1);
    expect(missingTag.stderr).toContain(`manifest for ${repo}:nope not found: manifest unknown`);

    const missingRepo = await apiRequest(
      daemon.socket,
      'POST',
      `/v1.41/images/create?fromImage=${registry.host}/berth-test/nothing-here&tag=latest`,
    );
    expect(missingRepo.status).toBe(404);
    // docker-registry answers MANIFEST_UNKNOWN for a repository it does not have, and dockerd says so.
    expect(JSON.parse(missingRepo.body).message).toBe(
      `manifest for ${registry.host}/berth-test/nothing-here:latest not found: manifest unknown: manifest unknown`,
    );

    const invalid = await apiRequest(
      daemon.socket,
      'POST',
      '/v1.41/images/create?fromImage=Not/Valid&tag=latest',
    );
    expect(invalid.status).toBe(400);
    expect(JSON.parse(invalid.body).message).toMatch(/^invalid reference format/);
    const viaDockerode = await daemon.docker.pull('Upper').catch((e: { statusCode: number }) => e);
    expect((viaDockerode as { statusCode: number }).statusCode).toBe(400);

    expect((await daemon.docker.listImages()).length).toBe(images);
    expect(blobCount()).toBe(blobs);
    expect(query('SELECT * FROM pulls')).toEqual([]);
  });

  it('prunes dangling images and reports disk usage', async () => {
    // The embedded hello image, pushed and then pulled back by digest only, is dangling.
    const hello = `${registry.host}/berth-test/hello:v1`;
    await daemon.cli(['tag', 'hello', hello]);
    const pushed = await daemon.cli(['push', hello]);
    const digest = /digest: (sha256:[a-f0-9]{64})/.exec(pushed.stdout)?.[1];
    await daemon.cli(['rmi', 'hello', hello]);
    await daemon.cli(['pull', `${registry.host}/berth-test/hello@${digest}`]);
    const dangling = await apiRequest(
      daemon.socket,
      'GET',
      `/v1.41/images/json?filters=${encodeURIComponent('{"dangling":["true"]}')}`,
    ).then((r) => JSON.parse(r.body) as { RepoTags: string[]; RepoDigests: string[] }[]);
    expect(dangling).toHaveLength(1);
    expect(dangling[0]?.RepoTags).toEqual([]);
    expect(dangling[0]?.RepoDigests).toEqual([`${registry.host}/berth-test/hello@${digest}`]);

    const df = await apiRequest(daemon.socket, 'GET', '/v1.41/system/df').then((r) => JSON.parse(r.body));
    expect(df.Images.length).toBe((await daemon.docker.listImages()).length);
    expect(df.LayersSize).toBeGreaterThan(0);
    expect(df).toMatchObject({ Volumes: [], BuildCache: [] });
    const { stdout: usage } = await daemon.cli(['system', 'df', '--format', '{{.Type}} {{.TotalCount}}']);
    expect(usage).toContain(`Images ${df.Images.length}`);

    const { stdout } = await daemon.cli(['image', 'prune', '-f']);
    expect(stdout).toContain(`untagged: ${registry.host}/berth-test/hello@${digest}`);
    expect(stdout).toMatch(/deleted: sha256:/);
    expect(await daemon.docker.listImages({ filters: JSON.stringify({ dangling: ['true'] }) })).toEqual([]);
    const bad = await apiRequest(
      daemon.socket,
      'GET',
      `/v1.41/images/json?filters=${encodeURIComponent('{"bogus":["x"]}')}`,
    );
    expect(bad.status).toBe(400);
  });

  it('passes X-Registry-Auth credentials to a registry that requires them, and checks a login', async () => {
    const secure = await startSecureRegistry({ basicAuth: { 'berth-test-user': 's3cret' } });
    try {
      const target = `${secure.host}/berth-test/private:v1`;
      await daemon.cli(['tag', repo, target]);
      const authconfig = { username: 'berth-test-user', password: 's3cret', serveraddress: secure.host };
      const denied = await streamText(await daemon.docker.getImage(target).push({}));
      expect(jsonLines(denied).at(-1)).toMatchObject({ error: 'unauthorized: authentication required' });

      const pushed = jsonLines(await streamText(await daemon.docker.getImage(target).push({ authconfig })));
      expect(pushed.at(-1)).toMatchObject({ aux: { Tag: 'v1', Digest: busybox.manifestDigest } });
      await daemon.cli(['rmi', target]);

      const anonymous = await apiRequest(
        daemon.socket,
        'POST',
        `/v1.41/images/create?fromImage=${encodeURIComponent(target)}`,
      );
      expect(anonymous.status).toBe(404);
      expect(JSON.parse(anonymous.body).message).toMatch(/^pull access denied for /);
      const header = Buffer.from(JSON.stringify(authconfig)).toString('base64url');
      const pulled = await apiRequest(
        daemon.socket,
        'POST',
        `/v1.41/images/create?fromImage=${encodeURIComponent(target)}`,
        { headers: { 'X-Registry-Auth': header } },
      );
      expect(jsonLines(pulled.body).at(-1)).toEqual({
        status: `Status: Downloaded newer image for ${target}`,
      });
      await daemon.cli(['rmi', target]);

      // docker login: the daemon checks the credentials against the registry and keeps nothing.
      expect(await daemon.docker.checkAuth(authconfig)).toEqual({
        Status: 'Login Succeeded',
        IdentityToken: '',
      });
      const login = (password: string) =>
        apiRequest(daemon.socket, 'POST', '/v1.41/auth', {
          body: JSON.stringify({ ...authconfig, password }),
          headers: { 'Content-Type': 'application/json' },
        });
      const refused = await login('wrong-pw');
      expect(refused.status).toBe(401);
      expect(refused.body).not.toContain('wrong-pw');
      expect((await login('s3cret')).status).toBe(200);
    } finally {
      await secure.stop();
    }
  });

  it('emits image events with their names', async () => {
    const until = Math.ceil(Date.now() / 1000) + 1;
    const res = await apiRequest(
      daemon.socket,
      'GET',
      `/v1.41/events?since=${started}&until=${until}&filters=${encodeURIComponent('{"type":["image"]}')}`,
    );
    const events = jsonLines(res.body) as { Action: string; Actor: { Attributes: { name: string } } }[];
    const actions = new Set(events.map((e) => e.Action));
    for (const a of ['pull', 'tag', 'untag', 'delete', 'push', 'prune']) expect(actions).toContain(a);
    expect(events.find((e) => e.Action === 'pull')?.Actor.Attributes.name).toBe(`${repo}:latest`);
  });
});

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk;
  return text;
}
