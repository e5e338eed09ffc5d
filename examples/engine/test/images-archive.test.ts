import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type BusyboxImageFixture, busyboxImage } from '@berth/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './harness/berthd.js';
import { apiRequest, jsonLines } from './harness/registry-images.js';

const short = (digest: string) => digest.replace('sha256:', '').slice(0, 12);

/** The member names and manifest.json of a tar archive. */
function readTar(path: string): {
  names: string[];
  manifest: { Config: string; RepoTags: string[] | null; Layers: string[] }[];
} {
  const names = execFileSync('tar', ['-tf', path], { encoding: 'utf8' }).trim().split('\n');
  const manifest = JSON.parse(execFileSync('tar', ['-xOf', path, 'manifest.json'], { encoding: 'utf8' }));
  return { names, manifest };
}

/** Where the data of a tar member starts (ustar headers: name at 0, octal size at 124). */
function tarEntryOffset(tar: Buffer, name: string): number {
  for (let at = 0; at + 512 <= tar.length; ) {
    const entry = tar.toString('utf8', at, at + 100).replace(/\0.*$/s, '');
    const size = Number.parseInt(
      tar
        .toString('utf8', at + 124, at + 136)
        .replace(/\0.*$/s, '')
        .trim() || '0',
      8,
    );
    if (entry === name) return at + 512;
    at += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error(`${name} is not in the archive`);
}

describe('images: docker save and docker load through berthd', () => {
  let daemon: TestDaemon;
  let busybox: BusyboxImageFixture;
  let helloId: string;
  const file = (name: string) => join(daemon.dir, name);
  /** What a refused load must leave exactly as it was. */
  const snapshot = async () => ({
    images: (await daemon.docker.listImages()).map((i) => i.Id).sort(),
    blobs: readdirSync(join(daemon.dataRoot, 'content/blobs/sha256')).sort(),
    layers: readdirSync(join(daemon.dataRoot, 'layers/layers/sha256')).sort(),
    scratch: readdirSync(join(daemon.dataRoot, 'image-tmp')),
  });

  beforeAll(async () => {
    [daemon, busybox] = await Promise.all([TestDaemon.start(), busyboxImage()]);
    helloId = (await daemon.docker.getImage('hello').inspect()).Id;
  });
  afterAll(async () => {
    await daemon?.destroy();
  });

  it('round-trips docker save | docker load, plain and gzipped', async () => {
    await daemon.cli(['save', '-o', file('busybox.tar'), 'busybox']);
    const { names, manifest } = readTar(file('busybox.tar'));
    expect(names).toEqual(
      expect.arrayContaining(['manifest.json', 'repositories', 'index.json', 'oci-layout']),
    );
    expect(manifest).toEqual([expect.objectContaining({ RepoTags: ['busybox:latest'] })]);

    const removed = await daemon.cli(['rmi', 'busybox']);
    expect(removed.stdout).toContain(`Deleted: ${busybox.configDigest}`);
    const loaded = await daemon.cli(['load', '-i', file('busybox.tar')]);
    expect(loaded.stdout.trim()).toBe('Loaded image: busybox:latest');
    expect((await daemon.docker.getImage('busybox').inspect()).Id).toBe(busybox.configDigest);

    await daemon.cli(['rmi', 'busybox']);
    writeFileSync(file('busybox.tar.gz'), gzipSync(readFileSync(file('busybox.tar'))));
    const gz = await daemon.cli(['load', '-i', file('busybox.tar.gz')]);
    expect(gz.stdout.trim()).toBe('Loaded image: busybox:latest');
    const run = await daemon.cli(['image', 'inspect', '--format', '{{.Id}} {{.RootFS.Layers}}', 'busybox']);
    expect(run.stdout.trim()).toBe(`${busybox.configDigest} [${busybox.layers[0]?.diffId}]`);
  });

  it('saves several images, and an image by ID without a name', async () => {
    const res = await apiRequest(daemon.socket, 'GET', '/v1.41/images/get?names=busybox&names=hello');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-tar');

    await daemon.cli(['save', '-o', file('both.tar'), 'busybox', 'hello']);
    const both = readTar(file('both.tar')).manifest.map((m) => m.RepoTags);
    expect(both).toEqual([['busybox:latest'], ['hello:latest']]);

    await daemon.cli(['save', '-o', file('by-id.tar'), short(helloId)]);
    expect(readTar(file('by-id.tar')).manifest).toEqual([expect.objectContaining({ RepoTags: null })]);
    await daemon.cli(['rmi', 'hello']);
    const loaded = await daemon.cli(['load', '-i', file('by-id.tar')]);
    expect(loaded.stdout.trim()).toBe(`Loaded image ID: ${helloId}`);
    await daemon.cli(['tag', helloId, 'hello:latest']);
  });

  it('saves and loads through dockerode', async () => {
    const saved = await daemon.docker.getImage('hello').get();
    const chunks: Buffer[] = [];
    for await (const chunk of saved) chunks.push(chunk as Buffer);
    await daemon.docker.getImage('hello').remove();
    const answer = await daemon.docker.loadImage(Buffer.concat(chunks) as unknown as NodeJS.ReadableStream);
    let text = '';
    for await (const chunk of answer) text += chunk;
    expect(jsonLines(text)).toEqual([{ stream: 'Loaded image: hello:latest\n' }]);
    expect((await daemon.docker.getImage('hello').inspect()).Id).toBe(helloId);
  });

  it('loads an OCI image layout archive', async () => {
    await daemon.cli(['rmi', 'busybox']);
    execFileSync('tar', ['-C', busybox.layout, '-cf', file('oci.tar'), '.']);
    const loaded = await daemon.cli(['load', '-i', file('oci.tar')]);
    expect(loaded.stdout.trim()).toBe('Loaded image: busybox:latest');
    expect((await daemon.docker.getImage('busybox:latest').inspect()).Id).toBe(busybox.configDigest);
  });

  it('refuses corrupted, truncated and non-archive input with a 400 and leaves nothing behind', async () => {
    await daemon.cli(['save', '-o', file('hello.tar'), 'hello']);
    await daemon.cli(['rmi', 'hello']);
    const before = await snapshot();
    const tar = readFileSync(file('hello.tar'));

    // Flip a byte inside the layer blob: its digest no longer matches what the manifest says.
    const layerName = readTar(file('hello.tar')).manifest[0]?.Layers[0] as string;
    const corrupted = Buffer.from(tar);
    const data = tarEntryOffset(corrupted, layerName);
    corrupted[data + 20] = (corrupted[data + 20] as number) ^ 0xff;
    const cases: [string, Buffer][] = [
      ['corrupted', corrupted],
      ['truncated', tar.subarray(0, Math.floor(tar.length / 2))],
      ['not an archive', Buffer.from('this is not a tar archive at all')],
    ];
    for (const [what, body] of cases) {
      const res = await apiRequest(daemon.socket, 'POST', '/v1.41/images/load?quiet=1', {
        body,
        headers: { 'Content-Type': 'application/x-tar' },
      });
      expect(res.status, what).toBe(400);
      expect(JSON.parse(res.body).message, what).toBeTruthy();
      expect(await snapshot(), what).toEqual(before);
    }
    const cli = await daemon.cli(['load', '-i', file('hello.tar').replace('hello.tar', 'missing.tar')], {
      allowFail: true,
    });
    expect(cli.code).toBe(1);

    const loaded = await daemon.cli(['load', '-i', file('hello.tar')]);
    expect(loaded.stdout.trim()).toBe('Loaded image: hello:latest');
  });

  it('imports a root filesystem tarball (export | import) with --change and -m, plain and gzipped', async () => {
    await daemon.cli(['create', '--name', 'berth-test-imp-src', 'busybox', 'sh', '-c', 'echo x > /made']);
    await daemon.cli(['start', '-a', 'berth-test-imp-src']);
    await daemon.cli(['export', '-o', file('rootfs.tar'), 'berth-test-imp-src']);
    writeFileSync(file('rootfs.tar.gz'), gzipSync(readFileSync(file('rootfs.tar'))));
    for (const [tag, tarball] of [
      ['plain', 'rootfs.tar'],
      ['gzip', 'rootfs.tar.gz'],
    ] as const) {
      const change = 'CMD ["sh", "-c", "cat /made; echo $IMPORTED"]';
      const imported = await daemon.cli([
        'import',
        '--change',
        change,
        '--change',
        'ENV IMPORTED=yes',
        '-m',
        'from the test',
        file(tarball),
        `berth-test-imp:${tag}`,
      ]);
      const id = (
        await daemon.cli(['image', 'inspect', '-f', '{{.Id}}', `berth-test-imp:${tag}`])
      ).stdout.trim();
      expect(imported.stdout.trim()).toBe(id);
      const run = await daemon.cli(['run', '--rm', '--network', 'none', `berth-test-imp:${tag}`]);
      expect(run.stdout).toBe('x\nyes\n');
      const layers = await daemon.cli([
        'image',
        'inspect',
        '-f',
        '{{len .RootFS.Layers}}',
        `berth-test-imp:${tag}`,
      ]);
      expect(layers.stdout.trim()).toBe('1');
      const history = await daemon.cli(['history', '--format', '{{.Comment}}', `berth-test-imp:${tag}`]);
      expect(history.stdout.trim()).toBe('from the test');
    }
    await daemon.cli(['rm', 'berth-test-imp-src']);
    await daemon.cli(['rmi', 'berth-test-imp:plain', 'berth-test-imp:gzip']);
  });

  it("serves skopeo's docker-daemon transport (API 1.22) both ways", async () => {
    const layout = `oci:${file('skopeo-oci')}:hello`;
    const host = `unix://${daemon.socket}`;
    execFileSync('skopeo', ['copy', '-q', '--src-daemon-host', host, 'docker-daemon:hello:latest', layout]);
    const config = JSON.parse(execFileSync('skopeo', ['inspect', '--config', layout], { encoding: 'utf8' }));
    expect(config.config.Cmd ?? config.config.Entrypoint).toBeTruthy();
    execFileSync('skopeo', [
      'copy',
      '-q',
      '--dest-daemon-host',
      host,
      layout,
      'docker-daemon:berth-test-skopeo:v1',
    ]);
    // skopeo rewrites the config as OCI's (a new image ID); the layers come back unchanged.
    const back = await daemon.docker.getImage('berth-test-skopeo:v1').inspect();
    const hello = await daemon.docker.getImage(helloId).inspect();
    expect(back.RootFS.Layers).toEqual(hello.RootFS.Layers);
    expect((await daemon.cli(['run', '--rm', 'berth-test-skopeo:v1'])).stdout).toContain('Hello');
    await daemon.cli(['rmi', 'berth-test-skopeo:v1']);
    const old = await apiRequest(daemon.socket, 'GET', '/v1.11/version');
    expect(old.status).toBe(400);
    expect(JSON.parse(old.body).message).toMatch(/client version 1.11 is too old/);
  });

  it('refuses a hostile or broken tarball to import and leaves nothing behind', async () => {
    const before = await snapshot();
    const hostile = execFileSync('python3', [
      '-c',
      `import io, sys, tarfile
out = io.BytesIO()
with tarfile.open(fileobj=out, mode='w') as t:
    info = tarfile.TarInfo('../escape')
    info.size = 2
    t.addfile(info, io.BytesIO(b'x\\n'))
sys.stdout.buffer.write(out.getvalue())`,
    ]);
    writeFileSync(file('hostile.tar'), hostile);
    writeFileSync(file('garbage.tar'), 'this is not a tar archive at all, not even close to one');
    for (const name of ['hostile.tar', 'garbage.tar']) {
      const r = await daemon.cli(['import', file(name), `berth-test-imp-bad:${name.split('.')[0]}`], {
        allowFail: true,
      });
      expect(r.code, name).not.toBe(0);
      expect(await snapshot(), name).toEqual(before);
      // The API answers with Docker's error, not a dropped connection.
      const res = await apiRequest(
        daemon.socket,
        'POST',
        '/v1.41/images/create?fromSrc=-&repo=berth-test-imp-bad',
        {
          body: readFileSync(file(name)),
          headers: { 'Content-Type': 'application/x-tar' },
        },
      );
      expect(res.status, name).toBe(400);
      expect(JSON.parse(res.body).message, name).toBeTruthy();
      expect(await snapshot(), name).toEqual(before);
    }
    const badChange = await apiRequest(
      daemon.socket,
      'POST',
      '/v1.41/images/create?fromSrc=-&changes=FROBNICATE%20x',
      { body: readFileSync(file('hostile.tar')) },
    );
    expect(badChange.status).toBe(400);
    const url = await apiRequest(
      daemon.socket,
      'POST',
      '/v1.41/images/create?fromSrc=http://127.0.0.1:9/x.tar',
    );
    expect(url.status).toBe(400);
  });
});
