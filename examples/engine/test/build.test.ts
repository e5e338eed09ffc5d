// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile text uses ${VAR} on purpose
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './harness/berthd.js';
import { contextDir, dockerBuild } from './harness/docker-build.js';
import { containerLeftovers } from './harness/leftovers.js';
import { apiRequest } from './harness/registry-images.js';

/** Raw `POST /build` with a tar body; resolves with the status and the text of the answer. */
async function postBuild(
  socket: string,
  query: string,
  body: Buffer,
): Promise<{ status: number; text: string }> {
  const res = await apiRequest(socket, 'POST', `/build?${query}`, {
    body,
    headers: { 'Content-Type': 'application/x-tar' },
  });
  return { status: res.status, text: res.body };
}

describe('docker build (classic builder)', () => {
  let daemon: TestDaemon;
  const dirs: string[] = [];
  const images: string[] = [];
  const docker = (args: string[], options?: Parameters<TestDaemon['cli']>[1]) =>
    daemon.cli(args, { timeout: 120_000, ...options });
  const build = (dir: string, args: string[] = []) => dockerBuild(daemon, dir, args);
  const ctx = (files: Record<string, string>) => {
    const dir = contextDir(files);
    dirs.push(dir);
    return dir;
  };
  const inspect = async (name: string) =>
    JSON.parse((await docker(['image', 'inspect', name])).stdout)[0] as {
      Id: string;
      Config: Record<string, unknown>;
    };
  const runIn = async (image: string, cmd: string[]) => (await docker(['run', '--rm', image, ...cmd])).stdout;

  beforeAll(async () => {
    daemon = await TestDaemon.start();
  });
  afterEach(async () => {
    for (const c of (await docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean))
      await docker(['rm', '-f', c], { allowFail: true });
    for (const image of images.splice(0)) await docker(['rmi', '-f', image], { allowFail: true });
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    await daemon?.destroy();
  });

  it('builds with RUN, COPY, ENV, WORKDIR, CMD, ENTRYPOINT and the rest into the image', async () => {
    const dir = ctx({
      Dockerfile: [
        '# syntax=docker/dockerfile:1',
        'FROM busybox',
        'ENV GREETING=hello \\',
        '    WHO="the world"',
        'WORKDIR /app',
        'COPY greeting.txt ./',
        'COPY sub/ /data/',
        'RUN echo "$GREETING, $WHO" > /app/out.txt && echo built-output',
        'LABEL berth.test="yes" other=${GREETING:-x}',
        'EXPOSE 8080 53/udp',
        'USER 1000:1000',
        'VOLUME /cache',
        'STOPSIGNAL SIGUSR1',
        'HEALTHCHECK --interval=5s --retries=2 CMD true',
        'ENTRYPOINT ["/bin/sh", "-c"]',
        'CMD ["cat /app/out.txt"]',
      ].join('\n'),
      'greeting.txt': 'copied\n',
      'sub/a/b.txt': 'deep\n',
    });
    images.push('berth-test-build-basic');
    const out = await build(dir, ['-t', 'berth-test-build-basic']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/Step 1\/14 : FROM busybox/);
    expect(out.stdout).toMatch(/ ---> Running in [0-9a-f]{12}/);
    expect(out.stdout).toContain('built-output');
    expect(out.stdout).toMatch(/Successfully built [0-9a-f]{12}/);
    expect(out.stdout).toContain('Successfully tagged berth-test-build-basic:latest');
    const image = await inspect('berth-test-build-basic');
    expect(image.Config.Env).toEqual(expect.arrayContaining(['GREETING=hello', 'WHO=the world']));
    expect(image.Config.WorkingDir).toBe('/app');
    expect(image.Config.Entrypoint).toEqual(['/bin/sh', '-c']);
    expect(image.Config.Cmd).toEqual(['cat /app/out.txt']);
    expect(image.Config.Labels).toEqual({ 'berth.test': 'yes', other: 'hello' });
    expect(image.Config.ExposedPorts).toEqual({ '8080/tcp': {}, '53/udp': {} });
    expect(image.Config.User).toBe('1000:1000');
    expect(image.Config.Volumes).toEqual({ '/cache': {} });
    expect(image.Config.StopSignal).toBe('SIGUSR1');
    expect(image.Config.Healthcheck).toMatchObject({
      Test: ['CMD-SHELL', 'true'],
      Interval: 5e9,
      Retries: 2,
    });
    expect(await runIn('berth-test-build-basic', [])).toBe('hello, the world\n');
    expect(
      await runIn('berth-test-build-basic', [
        'cat /app/greeting.txt /data/a/b.txt; stat -c "%u:%g" /app/greeting.txt; ls /data',
      ]),
    ).toBe('copied\ndeep\n0:0\na\n');
    const history = (
      await docker(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'berth-test-build-basic'])
    ).stdout;
    expect(history).toContain('/bin/sh -c #(nop)  ENV GREETING=hello WHO=the world');
    expect(history).toContain('/bin/sh -c echo "$GREETING, $WHO" > /app/out.txt && echo built-output');
    // Intermediate containers are gone; only the tagged image is new.
    expect((await docker(['ps', '-aq'])).stdout.trim()).toBe('');
  });

  it('multi-stage: COPY --from a stage, --chown, --target, build args and -q', async () => {
    const dir = ctx({
      Dockerfile: [
        'ARG BASE=busybox',
        'FROM ${BASE} AS builder',
        'ARG MESSAGE=default',
        'RUN mkdir /out && echo "$MESSAGE" > /out/msg && echo secret > /out/other',
        'FROM busybox AS final',
        'COPY --from=builder --chown=1234:5678 /out/msg /msg',
        'CMD ["cat", "/msg"]',
        'FROM final AS extra',
        'RUN false',
      ].join('\n'),
    });
    images.push('berth-test-build-multi');
    const out = await build(dir, [
      '-q',
      '--target',
      'final',
      '--build-arg',
      'MESSAGE=from-args',
      '-t',
      'berth-test-build-multi',
    ]);
    expect(out.code, out.stderr).toBe(0);
    const id = out.stdout.trim();
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await inspect('berth-test-build-multi')).Id).toBe(id);
    expect(await runIn('berth-test-build-multi', [])).toBe('from-args\n');
    expect(await runIn('berth-test-build-multi', ['stat', '-c', '%u:%g', '/msg'])).toBe('1234:5678\n');
  });

  it('takes the Dockerfile on stdin with a context directory (build -f-), as the docker CLI sends it', async () => {
    // The CLI sends this context cut right after its last entry (no padding, no end blocks).
    const dir = ctx({ 'a.txt': 'from the context\n' });
    images.push('berth-test-build-stdin');
    const dockerfile = 'FROM busybox\nCOPY a.txt /a.txt\nCMD ["cat", "/a.txt"]\n';
    await daemon.cli(['build', '-q', '-t', 'berth-test-build-stdin', '-f-', dir], { input: dockerfile });
    expect(await runIn('berth-test-build-stdin', [])).toBe('from the context\n');
  });

  it('honours .dockerignore with exceptions, wildcards and ADD of a local tar', async () => {
    const dir = ctx({
      Dockerfile:
        'FROM busybox\nCOPY . /ctx/\nCOPY *.md /docs/\nADD bundle.tar /unpacked/\nADD notes.txt.gz /plain/\n',
      '.dockerignore': '*.log\n!keep.log\nsecret/\n',
      'a.log': 'x',
      'keep.log': 'kept',
      'secret/key': 'k',
      'README.md': 'readme',
      'NOTES.md': 'notes',
    });
    mkdirSync(join(dir, 'tarsrc'));
    writeFileSync(join(dir, 'tarsrc', 'inside.txt'), 'from-tar');
    execFileSync('tar', ['-cf', join(dir, 'bundle.tar'), '-C', join(dir, 'tarsrc'), 'inside.txt']);
    // A gzip that holds no tar is copied as it is, as dockerd does.
    writeFileSync(join(dir, 'notes.txt.gz'), gzipSync('just notes\n'));
    images.push('berth-test-build-ignore');
    const out = await build(dir, ['-t', 'berth-test-build-ignore']);
    expect(out.code, out.stderr).toBe(0);
    const listing = await runIn('berth-test-build-ignore', [
      'sh',
      '-c',
      'ls -A /ctx; echo --; ls /docs; cat /unpacked/inside.txt',
    ]);
    expect(await runIn('berth-test-build-ignore', ['sh', '-c', 'gunzip -c /plain/notes.txt.gz'])).toBe(
      'just notes\n',
    );
    const [ctxFiles, rest] = listing.split('--\n');
    expect(ctxFiles?.split('\n').filter(Boolean).sort()).toEqual(
      [
        '.dockerignore',
        'Dockerfile',
        'NOTES.md',
        'README.md',
        'bundle.tar',
        'keep.log',
        'notes.txt.gz',
        'tarsrc',
      ].sort(),
    );
    expect(rest).toBe('NOTES.md\nREADME.md\nfrom-tar');
  });

  it('a failing RUN fails the build with dockerd message and exit code, leaving no tag and no container', async () => {
    const dir = ctx({ Dockerfile: 'FROM busybox\nRUN echo before-fail\nRUN exit 3\n' });
    const before = (await docker(['images', '-aq'])).stdout.trim().split('\n').length;
    const out = await build(dir, ['--force-rm', '-t', 'berth-test-build-fail']);
    expect(out.code).toBe(3);
    expect(out.stderr).toContain("The command '/bin/sh -c exit 3' returned a non-zero code: 3");
    expect((await docker(['image', 'inspect', 'berth-test-build-fail'], { allowFail: true })).code).not.toBe(
      0,
    );
    // The finished step's image stays as build cache (dockerd keeps it too); see build-cache.test.ts.
    expect((await docker(['images', '-aq'])).stdout.trim().split('\n').length).toBe(before + 1);
    expect((await docker(['ps', '-aq'])).stdout.trim()).toBe('');
  });

  it('bad input is a clear error: unknown instruction, missing Dockerfile, bad buildargs, unknown image', async () => {
    const bad = await build(ctx({ Dockerfile: 'FROM busybox\nFROBNICATE x\n' }));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('Dockerfile parse error line 2: unknown instruction: FROBNICATE');
    const tar = execFileSync('tar', ['-cf', '-', '-C', ctx({ Dockerfile: 'FROM busybox\n' }), 'Dockerfile']);
    const missing = await postBuild(daemon.socket, 'dockerfile=Nope', tar);
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('Cannot locate specified Dockerfile: Nope');
    const args = await postBuild(daemon.socket, 'buildargs=%7Bnot-json', tar);
    expect(args.status).toBe(400);
    expect(args.text).toContain('invalid buildargs');
    // No emulation: another platform than the host's is refused, the host's own is fine.
    const foreign = await postBuild(daemon.socket, 'platform=linux%2Fs390x', tar);
    expect(foreign.status).toBe(400);
    expect(foreign.text).toContain('is not supported: berthd builds for linux/');
    const fromForeign = await build(ctx({ Dockerfile: 'FROM --platform=linux/s390x busybox\n' }));
    expect(fromForeign.code).not.toBe(0);
    expect(fromForeign.stderr).toContain('FROM --platform');
    const unknown = await build(ctx({ Dockerfile: 'FROM localhost:1/berth-test-no-such-image\n' }));
    expect(unknown.code).not.toBe(0);
    expect((await docker(['ps', '-aq'])).stdout.trim()).toBe('');
    expect(readdirSync(join(daemon.dataRoot, 'builder'))).toEqual([]);
  });

  it('refuses a context tar with ../ names, and COPY through an absolute symlink stays inside the context', async () => {
    const script = `
import io, sys, tarfile
out = io.BytesIO()
with tarfile.open(fileobj=out, mode='w') as t:
    for name, data in [('Dockerfile', b'FROM busybox\\nCOPY x /x\\n'), ('../escape', b'bad')]:
        info = tarfile.TarInfo(name); info.size = len(data); t.addfile(info, io.BytesIO(data))
sys.stdout.buffer.write(out.getvalue())
`;
    const hostile = execFileSync('python3', ['-c', script]);
    const res = await postBuild(daemon.socket, 't=berth-test-build-hostile', hostile);
    expect(res.status).toBe(400);
    expect(res.text).toContain('../escape');
    const dir = ctx({ Dockerfile: 'FROM busybox\nCOPY passwd /copied\n' });
    symlinkSync('/etc/passwd', join(dir, 'passwd'));
    const out = await build(dir, ['-t', 'berth-test-build-symlink']);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('file not found in build context');
    expect(readdirSync(join(daemon.dataRoot, 'builder'))).toEqual([]);
  });

  it('builds through dockerode, and a client that goes away mid-RUN leaves nothing behind', async () => {
    const dir = ctx({ Dockerfile: 'FROM busybox\nRUN echo from-dockerode > /f\n' });
    images.push('berth-test-build-dockerode');
    const stream = await daemon.docker.buildImage(
      { context: dir, src: ['Dockerfile'] },
      { t: 'berth-test-build-dockerode' },
    );
    const messages = await new Promise<Array<{ stream?: string; aux?: { ID: string }; error?: string }>>(
      (resolve, reject) =>
        daemon.docker.modem.followProgress(stream, (err, res) => (err ? reject(err) : resolve(res))),
    );
    expect(messages.find((m) => m.aux)?.aux?.ID).toMatch(/^sha256:/);
    expect(await runIn('berth-test-build-dockerode', ['cat', '/f'])).toBe('from-dockerode\n');

    const slow = ctx({ Dockerfile: 'FROM busybox\nRUN echo started && sleep 60\n' });
    const tar = execFileSync('tar', ['-cf', '-', '-C', slow, 'Dockerfile']);
    const imagesBefore = (await docker(['images', '-aq'])).stdout;
    await new Promise<void>((resolve, reject) => {
      const req = request(
        { socketPath: daemon.socket, method: 'POST', path: '/build?t=berth-test-build-cancel' },
        (res) => {
          res.on('data', (d: Buffer) => {
            if (d.toString().includes('{"stream":"started\\n"}')) {
              req.destroy();
              resolve();
            }
          });
        },
      );
      req.on('error', () => undefined);
      req.end(tar);
      setTimeout(() => reject(new Error('the RUN never started')), 30_000);
    });
    for (let i = 0; i < 100; i++) {
      const ps = (await docker(['ps', '-aq'])).stdout.trim();
      if (ps === '' && readdirSync(join(daemon.dataRoot, 'builder')).length === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await docker(['ps', '-aq'])).stdout.trim()).toBe('');
    expect(readdirSync(join(daemon.dataRoot, 'builder'))).toEqual([]);
    expect((await docker(['images', '-aq'])).stdout).toBe(imagesBefore);
    expect(containerLeftovers(daemon)).toEqual({ mounts: [], cgroups: [], runtime: [] });
  });
});
