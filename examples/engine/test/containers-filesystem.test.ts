import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './harness/berthd.js';
import { apiRequest } from './harness/registry-images.js';

/** A tar made by Python's tarfile, which writes any entry name or link as given (GNU tar would clean them). */
function hostileTar(
  entries: Array<{ name: string; symlink?: string; hardlink?: string; data?: string }>,
): Buffer {
  const script = `
import io, json, sys, tarfile
out = io.BytesIO()
with tarfile.open(fileobj=out, mode='w') as t:
    for e in json.loads(sys.argv[1]):
        info = tarfile.TarInfo(e['name'])
        if 'symlink' in e:
            info.type = tarfile.SYMTYPE
            info.linkname = e['symlink']
            t.addfile(info)
        elif 'hardlink' in e:
            info.type = tarfile.LNKTYPE
            info.linkname = e['hardlink']
            t.addfile(info)
        else:
            data = e.get('data', '').encode()
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
sys.stdout.buffer.write(out.getvalue())
`;
  return execFileSync('python3', ['-c', script, JSON.stringify(entries)]);
}

/** A raw upload to the daemon's socket (the CLI never sends hostile archives). */
const put = (socket: string, path: string, body: Buffer) =>
  apiRequest(socket, 'PUT', path, { body, headers: { 'Content-Type': 'application/x-tar' } });

describe('container filesystem: docker cp, export, commit', () => {
  let daemon: TestDaemon;
  let work: string;
  const docker = (args: string[], options?: Parameters<TestDaemon['cli']>[1]) => daemon.cli(args, options);

  beforeAll(async () => {
    daemon = await TestDaemon.start();
    work = mkdtempSync(join(tmpdir(), 'berth-test-fs-'));
  });
  afterAll(async () => {
    await daemon?.destroy();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('copies a file out of a stopped container and into it, content and mode kept', async () => {
    await docker([
      'run',
      '--name',
      'berth-test-fs-src',
      'busybox',
      'sh',
      '-c',
      'echo written-inside > /f && chmod 640 /f && mkdir -p /d/e && echo deep > /d/e/y',
    ]);
    await docker(['cp', 'berth-test-fs-src:/f', join(work, 'f')]);
    expect(readFileSync(join(work, 'f'), 'utf8')).toBe('written-inside\n');
    expect(statSync(join(work, 'f')).mode & 0o777).toBe(0o640);
    await docker(['cp', 'berth-test-fs-src:/d', work]);
    expect(readFileSync(join(work, 'd/e/y'), 'utf8')).toBe('deep\n');

    writeFileSync(join(work, 'in.txt'), 'from-the-host\n');
    chmodSync(join(work, 'in.txt'), 0o751);
    await docker(['cp', join(work, 'in.txt'), 'berth-test-fs-src:/tmp/']);
    await docker(['cp', join(work, 'in.txt'), 'berth-test-fs-src:/renamed.txt']);
    const back = await docker(['cp', 'berth-test-fs-src:/tmp/in.txt', '-']);
    expect(back.stdout).toContain('from-the-host');
    expect(back.stdout).toMatch(/^in\.txt\0/);
  });

  it('copies into a created container before its first start, and into a running one', async () => {
    await docker([
      'create',
      '--name',
      'berth-test-fs-created',
      'busybox',
      'sh',
      '-c',
      'stat -c %a /in.txt; cat /in.txt',
    ]);
    await docker(['cp', join(work, 'in.txt'), 'berth-test-fs-created:/in.txt']);
    const started = await docker(['start', '-a', 'berth-test-fs-created']);
    expect(started.stdout).toBe('751\nfrom-the-host\n');

    await docker(['run', '-d', '--name', 'berth-test-fs-running', 'busybox', 'sleep', '60']);
    await docker(['cp', join(work, 'in.txt'), 'berth-test-fs-running:/etc/']);
    expect((await docker(['exec', 'berth-test-fs-running', 'cat', '/etc/in.txt'])).stdout).toBe(
      'from-the-host\n',
    );
    await docker(['cp', 'berth-test-fs-running:/etc/hostname', join(work, 'hostname')]);
    expect(existsSync(join(work, 'hostname'))).toBe(true);
  });

  it('refuses a missing path with a not-found error', async () => {
    const out = await docker(['cp', 'berth-test-fs-src:/no/such/file', work], { allowFail: true });
    expect(out.code).not.toBe(0);
    // The CLI turns the daemon's 404 into its own words.
    expect(out.stderr).toContain('No such container:path: berth-test-fs-src:/no/such/file');
    const into = await docker(['cp', join(work, 'in.txt'), 'berth-test-fs-src:/no/such/dir/x'], {
      allowFail: true,
    });
    expect(into.code).not.toBe(0);
  });

  it('refuses hostile archives with a 400 and changes nothing outside (or inside) the root', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'berth-test-fs-outside-'));
    try {
      const base = '/containers/berth-test-fs-src/archive?path=/tmp&noOverwriteDirNonDir=true';
      const climbing = hostileTar([
        { name: 'harmless.txt', data: 'x' },
        { name: `../../../../../../../..${outside}/climbed.txt`, data: 'pwned' },
      ]);
      const r1 = await put(daemon.socket, base, climbing);
      expect(r1.status).toBe(400);
      expect(JSON.parse(r1.body).message).toMatch(/would be extracted outside \/tmp/);

      const throughLink = hostileTar([
        { name: 'evil', symlink: outside },
        { name: 'evil/through.txt', data: 'pwned' },
      ]);
      const r2 = await put(daemon.socket, base, throughLink);
      expect(r2.status).toBe(400);
      expect(JSON.parse(r2.body).message).toMatch(/written through the symlink "evil"/);

      const relativeLink = hostileTar([{ name: 'up', symlink: '../../../../../../..' }]);
      const r3 = await put(daemon.socket, base, relativeLink);
      expect(r3.status).toBe(400);
      expect(JSON.parse(r3.body).message).toMatch(/points outside \/tmp/);

      // A symlink inside the container naming a host path means that path inside the container.
      writeFileSync(join(outside, 'secret.txt'), 'host secret');
      await docker(['run', '--name', 'berth-test-fs-link', 'busybox', 'ln', '-s', outside, '/escape']);
      const out = await docker(['cp', 'berth-test-fs-link:/escape/secret.txt', '-'], { allowFail: true });
      expect(out.code).not.toBe(0);
      expect(out.stdout).not.toContain('host secret');
      const into = await docker(['cp', join(work, 'in.txt'), 'berth-test-fs-link:/escape/'], {
        allowFail: true,
      });
      expect(into.code).not.toBe(0);
      await docker(['rm', 'berth-test-fs-link']);

      expect(existsSync(join(outside, 'in.txt'))).toBe(false);
      expect(existsSync(join(outside, 'climbed.txt'))).toBe(false);
      expect(existsSync(join(outside, 'through.txt'))).toBe(false);
      // Checked whole before anything is written: not even the harmless entry is there.
      const tmp = await docker(['cp', 'berth-test-fs-src:/tmp/.', '-']);
      expect(tmp.stdout).not.toContain('harmless.txt');
      expect(tmp.stdout).not.toContain('evil');
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('exports the whole filesystem: image layers and the container’s own files', async () => {
    const out = join(work, 'export.tar');
    await docker(['export', '-o', out, 'berth-test-fs-src']);
    const names = execFileSync('tar', ['-tf', out], { encoding: 'utf8' }).split('\n');
    expect(names).toContain('bin/busybox');
    expect(names).toContain('f');
    expect(names).toContain('d/e/y');
    expect(names).toContain('renamed.txt');
    const content = execFileSync('tar', ['-xOf', out, 'f'], { encoding: 'utf8' });
    expect(content).toBe('written-inside\n');
  });

  it('commits a container into an image that runs, lists, has history and saves', async () => {
    const committed = await docker(['commit', 'berth-test-fs-src', 'berth-test-fs-img:v1']);
    const id = committed.stdout.trim();
    expect(id).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect((await docker(['run', '--rm', 'berth-test-fs-img:v1', 'cat', '/f'])).stdout).toBe(
      'written-inside\n',
    );
    const images = await docker(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
    expect(images.stdout).toContain(`berth-test-fs-img:v1 ${id.slice(7, 19)}`);
    const history = await docker([
      'history',
      '--no-trunc',
      '--format',
      '{{.ID}} {{.CreatedBy}}',
      'berth-test-fs-img:v1',
    ]);
    const [top, ...below] = history.stdout.trim().split('\n');
    expect(top).toBe(
      `${id} sh -c echo written-inside > /f && chmod 640 /f && mkdir -p /d/e && echo deep > /d/e/y`,
    );
    expect(below.length).toBeGreaterThan(0);
    const saved = join(work, 'saved.tar');
    await docker(['save', '-o', saved, 'berth-test-fs-img:v1']);
    const manifest = JSON.parse(execFileSync('tar', ['-xOf', saved, 'manifest.json'], { encoding: 'utf8' }));
    expect(manifest[0].RepoTags).toEqual(['berth-test-fs-img:v1']);
    expect(manifest[0].Layers).toHaveLength(2);
  });

  it('commits with --change: CMD, ENV, author and comment', async () => {
    await docker([
      'commit',
      '--change',
      'CMD ["cat","/f"]',
      '--change',
      'ENV BERTH_TEST=changed',
      '-a',
      'berth tester',
      '-m',
      'with changes',
      'berth-test-fs-src',
      'berth-test-fs-img:changed',
    ]);
    expect((await docker(['run', '--rm', 'berth-test-fs-img:changed'])).stdout).toBe('written-inside\n');
    const env = await docker(['run', '--rm', 'berth-test-fs-img:changed', 'sh', '-c', 'echo $BERTH_TEST']);
    expect(env.stdout).toBe('changed\n');
    const inspected = await docker([
      'inspect',
      '-f',
      '{{json .Config.Cmd}}|{{.Author}}|{{.Comment}}',
      'berth-test-fs-img:changed',
    ]);
    expect(inspected.stdout).toBe('["cat","/f"]|berth tester|with changes\n');
    const bad = await docker(['commit', '--change', 'RUN rm -rf /', 'berth-test-fs-src'], {
      allowFail: true,
    });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('RUN is not a valid change command');
  });

  it('commits a running container (paused while its layer is read)', async () => {
    await docker(['exec', 'berth-test-fs-running', 'sh', '-c', 'echo live > /live']);
    await docker(['commit', 'berth-test-fs-running', 'berth-test-fs-img:live']);
    expect((await docker(['run', '--rm', 'berth-test-fs-img:live', 'cat', '/live'])).stdout).toBe('live\n');
    const state = await docker(['inspect', '-f', '{{.State.Status}}', 'berth-test-fs-running']);
    expect(state.stdout).toBe('running\n');
    await docker(['rm', '-f', 'berth-test-fs-running', 'berth-test-fs-created', 'berth-test-fs-src']);
    await docker(['rmi', 'berth-test-fs-img:v1', 'berth-test-fs-img:changed', 'berth-test-fs-img:live']);
  });

  it('reports what a container wrote as its size (ps -s, inspect --size, system df)', async () => {
    const name = 'berth-test-fs-size';
    await docker(['run', '--name', name, 'busybox', 'sh', '-c', 'head -c 100000 /dev/zero > /big']);
    const imageSize = Number((await docker(['image', 'inspect', '-f', '{{.Size}}', 'busybox'])).stdout);
    const inspected = await docker(['inspect', '--size', '-f', '{{.SizeRw}} {{.SizeRootFs}}', name]);
    expect(inspected.stdout.trim()).toBe(`100000 ${imageSize + 100000}`);
    const ps = await docker(['ps', '-a', '-s', '--filter', `name=${name}`, '--format', '{{.Size}}']);
    expect(ps.stdout).toMatch(/^100kB \(virtual /);
    type Row = { Names: string[]; SizeRw: number };
    const sizeIn = (rows: Row[] | undefined) => rows?.find((c) => c.Names.includes(`/${name}`))?.SizeRw;
    const legacy = JSON.parse((await apiRequest(daemon.socket, 'GET', '/v1.41/system/df')).body);
    expect(sizeIn(legacy.Containers)).toBe(100000);
    const usage = (await daemon.docker.df()) as { ContainerUsage: { TotalSize: number; Items: Row[] } };
    expect(sizeIn(usage.ContainerUsage.Items)).toBe(100000);
    expect(usage.ContainerUsage.TotalSize).toBeGreaterThanOrEqual(100000);
    // A container that has not run has written nothing.
    await docker(['create', '--name', `${name}-new`, 'busybox']);
    const fresh = await docker(['inspect', '--size', '-f', '{{.SizeRw}}', `${name}-new`]);
    expect(fresh.stdout.trim()).toBe('0');
    await docker(['rm', name, `${name}-new`]);
  });
  it('copies out of and into a named volume, stopped and running', async () => {
    const volume = 'berth-test-fs-vol';
    const onHost = join(daemon.dataRoot, 'volumes', volume, '_data');
    await docker([
      'run',
      '--name',
      'berth-test-fs-vol-stopped',
      '-v',
      `${volume}:/srv/data`,
      'busybox',
      'sh',
      '-c',
      'echo in-volume > /srv/data/v.txt',
    ]);
    await docker(['cp', 'berth-test-fs-vol-stopped:/srv/data/v.txt', join(work, 'v.txt')]);
    expect(readFileSync(join(work, 'v.txt'), 'utf8')).toBe('in-volume\n');
    // A directory holding a mount point carries what is mounted there.
    const srv = await docker(['cp', 'berth-test-fs-vol-stopped:/srv', '-']);
    expect(srv.stdout).toContain('srv/data/v.txt');
    expect(srv.stdout).toContain('in-volume');
    await docker(['cp', join(work, 'in.txt'), 'berth-test-fs-vol-stopped:/srv/data/']);
    expect(readFileSync(join(onHost, 'in.txt'), 'utf8')).toBe('from-the-host\n');

    await docker([
      'run',
      '-d',
      '--name',
      'berth-test-fs-vol-running',
      '-v',
      `${volume}:/data`,
      'busybox',
      'sleep',
      '60',
    ]);
    const out = await docker(['cp', 'berth-test-fs-vol-running:/data/in.txt', '-']);
    expect(out.stdout).toContain('from-the-host');
    writeFileSync(join(work, 'live.txt'), 'into-a-running-volume\n');
    await docker(['cp', join(work, 'live.txt'), 'berth-test-fs-vol-running:/data/']);
    expect((await docker(['exec', 'berth-test-fs-vol-running', 'cat', '/data/live.txt'])).stdout).toBe(
      'into-a-running-volume\n',
    );
    expect(readFileSync(join(onHost, 'live.txt'), 'utf8')).toBe('into-a-running-volume\n');
    // The rootfs under the mount point got nothing.
    const under = await docker(['cp', 'berth-test-fs-vol-running:/data/.', join(work, 'vol-copy')]);
    expect(under.code).toBe(0);
    expect(readdirSync(join(work, 'vol-copy')).sort()).toEqual(['in.txt', 'live.txt', 'v.txt']);
  });

  it('copies out of and into a bind mount; a read-only one is refused with nothing written', async () => {
    const bind = mkdtempSync(join(tmpdir(), 'berth-test-fs-bind-'));
    const readOnly = mkdtempSync(join(tmpdir(), 'berth-test-fs-robind-'));
    try {
      writeFileSync(join(bind, 'from-host.txt'), 'bound\n');
      writeFileSync(join(readOnly, 'kept.txt'), 'read-only\n');
      const name = 'berth-test-fs-bind';
      await docker([
        'run',
        '-d',
        '--name',
        name,
        '-v',
        `${bind}:/mnt/bind`,
        '-v',
        `${readOnly}:/mnt/ro:ro`,
        'busybox',
        'sleep',
        '60',
      ]);
      expect((await docker(['cp', `${name}:/mnt/bind/from-host.txt`, '-'])).stdout).toContain('bound');
      await docker(['cp', join(work, 'in.txt'), `${name}:/mnt/bind/`]);
      expect(readFileSync(join(bind, 'in.txt'), 'utf8')).toBe('from-the-host\n');
      await docker(['stop', '-t', '0', name]);
      await docker(['cp', join(work, 'live.txt'), `${name}:/mnt/bind/stopped.txt`]);
      expect(readFileSync(join(bind, 'stopped.txt'), 'utf8')).toBe('into-a-running-volume\n');

      expect((await docker(['cp', `${name}:/mnt/ro/kept.txt`, '-'])).stdout).toContain('read-only');
      const refused = await docker(['cp', join(work, 'in.txt'), `${name}:/mnt/ro/`], { allowFail: true });
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('mounted volume is marked read-only');
      // An archive reaching the read-only bind from above it is refused whole.
      const raw = await put(
        daemon.socket,
        `/containers/${name}/archive?path=/mnt`,
        hostileTar([
          { name: 'first.txt', data: 'x' },
          { name: 'ro/second.txt', data: 'y' },
        ]),
      );
      expect(raw.status).toBe(400);
      expect(JSON.parse(raw.body).message).toContain('mounted volume is marked read-only');
      expect(readdirSync(readOnly)).toEqual(['kept.txt']);
      const mnt = await docker(['cp', `${name}:/mnt`, '-']);
      expect(mnt.stdout).not.toContain('first.txt');
      await docker(['rm', name]);
    } finally {
      rmSync(bind, { recursive: true, force: true });
      rmSync(readOnly, { recursive: true, force: true });
    }
  });

  it('copies into volumes of a read-only container and refuses its rootfs', async () => {
    const name = 'berth-test-fs-readonly';
    await docker(['create', '--name', name, '--read-only', '-v', 'berth-test-fs-vol:/data', 'busybox']);
    await docker(['cp', join(work, 'in.txt'), `${name}:/data/ro-container.txt`]);
    expect(
      readFileSync(join(daemon.dataRoot, 'volumes/berth-test-fs-vol/_data/ro-container.txt'), 'utf8'),
    ).toBe('from-the-host\n');
    const refused = await docker(['cp', join(work, 'in.txt'), `${name}:/tmp/`], { allowFail: true });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('container rootfs is marked read-only');
    await docker(['rm', name]);
  });

  it('sees a running container’s tmpfs and its /etc/hostname; a stopped one’s tmpfs is empty', async () => {
    const name = 'berth-test-fs-tmpfs';
    await docker([
      'run',
      '-d',
      '--name',
      name,
      '--hostname',
      'berth-test-host',
      '--tmpfs',
      '/scratch',
      'busybox',
      'sleep',
      '60',
    ]);
    await docker(['exec', name, 'sh', '-c', 'echo in-tmpfs > /scratch/t.txt']);
    expect((await docker(['cp', `${name}:/scratch/t.txt`, '-'])).stdout).toContain('in-tmpfs');
    await docker(['cp', join(work, 'in.txt'), `${name}:/scratch/`]);
    expect((await docker(['exec', name, 'cat', '/scratch/in.txt'])).stdout).toBe('from-the-host\n');
    await docker(['cp', `${name}:/etc/hostname`, join(work, 'hostname-file')]);
    expect(readFileSync(join(work, 'hostname-file'), 'utf8')).toBe('berth-test-host\n');
    const etc = await docker(['cp', `${name}:/etc`, '-']);
    expect(etc.stdout).toContain('berth-test-host');

    await docker(['stop', '-t', '0', name]);
    const gone = await docker(['cp', `${name}:/scratch/t.txt`, '-'], { allowFail: true });
    expect(gone.code).not.toBe(0);
    const scratch = await docker(['cp', `${name}:/scratch`, '-']);
    expect(scratch.stdout).toContain('scratch/\0');
    expect(scratch.stdout).not.toContain('t.txt');
    // What goes into a stopped container's tmpfs is not kept (dockerd's view gives it a fresh one).
    await docker(['cp', join(work, 'in.txt'), `${name}:/scratch/`]);
    expect((await docker(['cp', `${name}:/scratch`, '-'])).stdout).not.toContain('in.txt');
    const containerDir = join(
      daemon.dataRoot,
      'containers',
      (await docker(['inspect', '-f', '{{.Id}}', name])).stdout.trim(),
    );
    expect(readdirSync(containerDir).filter((n) => n.startsWith('.tmpfs'))).toEqual([]);
    await docker(['rm', name]);
  });

  it('keeps symlinks inside a volume or bind from reaching the host', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'berth-test-fs-outside-'));
    const bind = mkdtempSync(join(tmpdir(), 'berth-test-fs-bind-'));
    try {
      writeFileSync(join(outside, 'secret.txt'), 'host secret');
      symlinkSync(outside, join(bind, 'out'));
      symlinkSync('/', join(bind, 'up'));
      const name = 'berth-test-fs-links';
      await docker([
        'run',
        '-d',
        '--name',
        name,
        '-v',
        'berth-test-fs-vol:/data',
        '-v',
        `${bind}:/bind`,
        'busybox',
        'sh',
        '-c',
        'ln -s / /data/up; ln -s ../../../../../.. /data/rel; sleep 60',
      ]);
      await docker(['exec', name, 'test', '-L', '/data/rel']);
      for (const path of [
        `/data/up${outside}/secret.txt`,
        `/data/rel${outside}/secret.txt`,
        '/bind/out/secret.txt',
        `/bind/up${outside}/secret.txt`,
      ]) {
        const out = await docker(['cp', `${name}:${path}`, '-'], { allowFail: true });
        expect(out.code, path).not.toBe(0);
        expect(out.stdout).not.toContain('host secret');
      }
      // Links are copied as links, never followed into the host.
      const data = await docker(['cp', `${name}:/data`, '-']);
      expect(data.stdout).not.toContain('host secret');
      const into = await docker(['cp', join(work, 'in.txt'), `${name}:/bind/out/`], { allowFail: true });
      expect(into.code).not.toBe(0);
      const intoUp = await docker(['cp', join(work, 'in.txt'), `${name}:/data/up${outside}/`], {
        allowFail: true,
      });
      expect(intoUp.code).not.toBe(0);
      expect(readdirSync(outside)).toEqual(['secret.txt']);
      // An archive written through the volume's link to / stays in the volume.
      const evil = `berth-test-fs-evil-${process.pid}.txt`;
      const raw = await put(
        daemon.socket,
        `/containers/${name}/archive?path=/data`,
        hostileTar([{ name: `up/${evil}`, data: 'x' }]),
      );
      expect(raw.status).toBe(200);
      expect(existsSync(`/${evil}`)).toBe(false);
      expect(existsSync(join(daemon.dataRoot, 'volumes/berth-test-fs-vol/_data', evil))).toBe(true);
      await docker(['rm', '-f', name, 'berth-test-fs-vol-running', 'berth-test-fs-vol-stopped']);
      await docker(['volume', 'rm', 'berth-test-fs-vol']);
    } finally {
      rmSync(outside, { recursive: true, force: true });
      rmSync(bind, { recursive: true, force: true });
    }
  });
  it('refuses an upload that replaces a mount point or hard-links across mounts, writing nothing', async () => {
    const name = 'berth-test-fs-mp';
    await docker(['run', '--name', name, '-v', 'berth-test-fs-mpvol:/data', 'busybox', 'true']);
    const id = (await docker(['inspect', '-f', '{{.Id}}', name])).stdout.trim();
    const cases = [
      hostileTar([
        { name: 'first', data: 'x' },
        { name: 'data', data: 'a file over the volume' },
      ]),
      hostileTar([
        { name: 'first', data: 'x' },
        { name: 'data/f', data: 'in the volume' },
        { name: 'g', hardlink: 'data/f' },
      ]),
    ];
    for (const body of cases) {
      const res = await put(daemon.socket, `/v1.41/containers/${id}/archive?path=/`, body);
      expect(res.status).toBe(400);
    }
    for (const path of ['/first', '/data/f', '/g'])
      expect((await docker(['cp', `${name}:${path}`, '-'], { allowFail: true })).code, path).not.toBe(0);
    await docker(['rm', name]);
    await docker(['volume', 'rm', 'berth-test-fs-mpvol']);
  });
});
