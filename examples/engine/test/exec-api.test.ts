import { spawn } from 'node:child_process';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCKER_CLI, TestDaemon } from './harness/berthd.js';

/** `docker exec` through the CLI (plain and -it under a pty) and dockerode (hijacked, with a TTY). */
describe('exec', () => {
  let daemon: TestDaemon;
  let docker: Docker;
  let box: Docker.Container;
  beforeAll(async () => {
    daemon = await TestDaemon.start();
    docker = daemon.docker;
    box = await docker.createContainer({
      name: 'berth-test-exec',
      Image: 'busybox',
      Cmd: ['sleep', '1000'],
      Env: ['FROM_CONTAINER=1'],
      HostConfig: { NetworkMode: 'none' },
    });
    await box.start();
  });
  afterAll(async () => {
    await daemon?.destroy();
  });

  it('runs a command and propagates its exit code through the CLI', async () => {
    const ok = await daemon.cli([
      'exec',
      'berth-test-exec',
      'sh',
      '-c',
      'echo out; echo err >&2; echo $FROM_CONTAINER',
    ]);
    expect(ok.stdout).toBe('out\n1\n');
    expect(ok.stderr).toBe('err\n');
    const failed = await daemon.cli(['exec', 'berth-test-exec', 'sh', '-c', 'exit 9'], { allowFail: true });
    expect(failed.code).toBe(9);
    const missing = await daemon.cli(['exec', 'berth-test-exec', 'no-such-binary'], { allowFail: true });
    expect(missing.code).toBe(127);
    expect(missing.stdout).toContain('executable file not found in $PATH');
    const env = await daemon.cli([
      'exec',
      '-e',
      'A=b',
      '-w',
      '/etc',
      '-u',
      'nobody',
      'berth-test-exec',
      'sh',
      '-c',
      'echo $A $(pwd) $(id -un)',
    ]);
    expect(env.stdout).toBe('b /etc nobody\n');
  });

  it('passes stdin with -i', async () => {
    const r = await daemon.cli(['exec', '-i', 'berth-test-exec', 'sh', '-c', 'tr a-z A-Z'], {
      input: 'shout\n',
    });
    expect(r.stdout).toBe('SHOUT\n');
  });

  it('docker exec -it works under a pty (script), exit code included', async () => {
    const child = spawn(
      'script',
      ['-qec', `${DOCKER_CLI} -H unix://${daemon.socket} exec -it berth-test-exec sh`, '/dev/null'],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    const closed = new Promise<number | null>((r) => child.on('close', r));
    await new Promise((r) => setTimeout(r, 700));
    child.stdin.write('tty; echo sum=$((20+22))\r');
    await new Promise((r) => setTimeout(r, 400));
    child.stdin.write('exit 5\r');
    const code = await closed;
    expect(out).toMatch(/\/dev\/pts\/\d+/);
    expect(out).toContain('sum=42');
    expect(code).toBe(5);
  });

  it('dockerode: hijacked exec with a TTY and stdin, resize, inspect', async () => {
    const exec = await box.exec({
      Cmd: ['sh'],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: true,
    });
    const stream = (await exec.start({ hijack: true, stdin: true, Tty: true })) as unknown as Duplex;
    await exec.resize({ h: 33, w: 101 });
    let out = '';
    stream.on('data', (d: Buffer) => {
      out += d;
    });
    const ended = new Promise((r) => stream.on('end', r));
    stream.write('stty size; tty\n');
    await new Promise((r) => setTimeout(r, 300));
    const running = await exec.inspect();
    expect(running).toMatchObject({ Running: true, ExitCode: null, ContainerID: box.id, OpenStdin: true });
    expect(running.ProcessConfig).toMatchObject({ tty: true, entrypoint: 'sh', arguments: [] });
    expect(running.Pid).toBeGreaterThan(0);
    stream.write('exit 3\n');
    await ended;
    expect(out).toContain('33 101');
    expect(out).toMatch(/\/dev\/pts\/\d+/);
    const done = await exec.inspect();
    expect(done).toMatchObject({ Running: false, ExitCode: 3 });
    expect((await box.inspect()).ExecIDs).toContain(exec.id);
  });

  it('detached exec runs in the background', async () => {
    await daemon.cli(['exec', '-d', 'berth-test-exec', 'sh', '-c', 'echo bg > /tmp/bg']);
    await new Promise((r) => setTimeout(r, 300));
    expect((await daemon.cli(['exec', 'berth-test-exec', 'cat', '/tmp/bg'])).stdout).toBe('bg\n');
  });

  it('errors: unknown exec 404, stopped container 409, empty command 400; exec events', async () => {
    await expect(docker.getExec('0'.repeat(64)).inspect()).rejects.toMatchObject({ statusCode: 404 });
    await expect(box.exec({ Cmd: [] })).rejects.toMatchObject({ statusCode: 400 });
    const stopped = await docker.createContainer({
      name: 'berth-test-exec-stopped',
      Image: 'busybox',
      HostConfig: { NetworkMode: 'none' },
    });
    await expect(stopped.exec({ Cmd: ['true'] })).rejects.toMatchObject({
      statusCode: 409,
      json: { message: `Container ${stopped.id} is not running` },
    });
    await stopped.remove();
    const since = Math.floor(Date.now() / 1000);
    await daemon.cli(['exec', 'berth-test-exec', 'true']);
    const events = await daemon.cli([
      'events',
      '--since',
      String(since),
      '--until',
      String(Math.floor(Date.now() / 1000) + 1),
      '--filter',
      'container=berth-test-exec',
      '--format',
      '{{.Action}} {{index .Actor.Attributes "exitCode"}}',
    ]);
    const actions = events.stdout.trim().split('\n');
    expect(actions).toContain('exec_create: true ');
    expect(actions).toContain('exec_start: true ');
    expect(actions).toContain('exec_die 0');
  });
});
