import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCKER_CLI, TestDaemon } from './harness/berthd.js';
import { containerLeftovers } from './harness/leftovers.js';

/** `docker run` and friends through Debian's docker 20.10 CLI. */
describe('docker run through berthd', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await TestDaemon.start();
  });
  afterAll(async () => {
    await daemon?.destroy();
  });

  const exists = async (name: string) =>
    (await daemon.cli(['inspect', name], { allowFail: true })).code === 0;

  it('prints the output and exits with the exit code; --rm leaves nothing behind', async () => {
    const started = Date.now();
    const r = await daemon.cli(
      [
        'run',
        '--rm',
        '--name',
        'berth-test-rm',
        '--network',
        'none',
        'busybox',
        'sh',
        '-c',
        'echo hi; echo oops >&2; exit 3',
      ],
      { allowFail: true },
    );
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('hi\n');
    expect(r.stderr).toContain('oops');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await exists('berth-test-rm')).toBe(false);
    expect(containerLeftovers(daemon)).toEqual({ mounts: [], cgroups: [], runtime: [] });
  });

  it('runs on the default bridge network; published ports show in ps and answer on loopback', async () => {
    const r = await daemon.cli(['run', '--rm', 'busybox', 'sh', '-c', 'ip -4 addr show eth0 | grep -c inet']);
    expect(r.stdout.trim()).toBe('1');
    const port = 20000 + Math.floor(Math.random() * 10000);
    await daemon.cli([
      'run',
      '-d',
      '--name',
      'berth-test-web',
      '-p',
      `127.0.0.1:${port}:80`,
      'busybox',
      'sh',
      '-c',
      'echo hello-web > /www; httpd -f -p 80 -h /',
    ]);
    const ps = await daemon.cli(['ps', '--filter', 'name=berth-test-web', '--format', '{{.Ports}}']);
    expect(ps.stdout.trim()).toBe(`127.0.0.1:${port}->80/tcp`);
    let body = '';
    for (let i = 0; i < 20 && !body; i++) {
      body = await fetch(`http://127.0.0.1:${port}/www`).then(
        (res) => res.text(),
        () => '',
      );
      if (!body) await new Promise((res) => setTimeout(res, 100));
    }
    expect(body).toBe('hello-web\n');
    await daemon.cli(['rm', '-f', 'berth-test-web']);
  });

  it('passes stdin with -i and closes it at EOF', async () => {
    const r = await daemon.cli(['run', '-i', '--rm', '--network', 'none', 'busybox', 'cat'], {
      input: 'data from stdin\n',
    });
    expect(r.stdout).toBe('data from stdin\n');
  });

  it('gives a terminal with -t: a pty inside, raw output', async () => {
    const r = await daemon.cli(
      ['run', '-t', '--rm', '--network', 'none', 'busybox', 'sh', '-c', 'tty; echo done'],
      {},
    );
    expect(r.stdout).toMatch(/^\/dev\/pts\/\d+\r\ndone\r\n$/);
  });

  it('passes host devices: --device with a path and access, --privileged gives them all', async () => {
    const run = (args: string[], script: string) =>
      daemon.cli(['run', '--rm', '--network', 'none', ...args, 'busybox', 'sh', '-c', script], {
        allowFail: true,
      });
    // /dev/loop-control is outside Docker's default device rules: only the --device grants it.
    const open = '(exec 3> /dev/berth-lc) 2>/dev/null && echo opened || echo refused';
    expect((await run(['--device', '/dev/loop-control:/dev/berth-lc'], open)).stdout).toBe('opened\n');
    expect((await run(['--device', '/dev/loop-control:/dev/berth-lc:r'], open)).stdout).toBe('refused\n');
    const plain = (await run([], 'ls /dev')).stdout.split('\n');
    expect(plain).not.toContain('loop-control');
    expect((await run(['--privileged'], 'ls /dev')).stdout.split('\n')).toContain('loop-control');
    const missing = await run(['--device', '/dev/berth-test-missing'], 'true');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('error gathering device information while adding custom device');
    const badRule = await run(['--device-cgroup-rule', 'c 1:3 x'], 'true');
    expect(badRule.code).not.toBe(0);
    expect(containerLeftovers(daemon)).toEqual({ mounts: [], cgroups: [], runtime: [] });
  });

  it('a command that does not exist: exit 127, Docker message, nothing left running or mounted', async () => {
    const r = await daemon.cli(
      ['run', '--name', 'berth-test-bad', '--network', 'none', 'busybox', '/nonexistent'],
      {
        allowFail: true,
      },
    );
    expect(r.code).toBe(127);
    expect(r.stderr).toContain('no such file or directory');
    const state = JSON.parse(
      (await daemon.cli(['inspect', '-f', '{{json .State}}', 'berth-test-bad'])).stdout,
    );
    expect(state).toMatchObject({ Status: 'created', Running: false, ExitCode: 127 });
    expect(containerLeftovers(daemon)).toEqual({ mounts: [], cgroups: [], runtime: [] });
    const notInPath = await daemon.cli(['run', '--rm', '--network', 'none', 'busybox', 'nosuchcommand'], {
      allowFail: true,
    });
    expect(notInPath.code).toBe(127);
    expect(notInPath.stderr).toContain('executable file not found');
    expect(await exists('berth-test-bad')).toBe(true);
    await daemon.cli(['rm', 'berth-test-bad']);
    expect(containerLeftovers(daemon)).toEqual({ mounts: [], cgroups: [], runtime: [] });
  });

  it('-d, logs (tail, timestamps, follow), stop, rm', async () => {
    const id = (
      await daemon.cli([
        'run',
        '-d',
        '--name',
        'berth-test-ticker',
        '--network',
        'none',
        'busybox',
        'sh',
        '-c',
        'trap "echo bye; exit 7" TERM; i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done',
      ])
    ).stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    await new Promise((r) => setTimeout(r, 600));
    const tail = await daemon.cli(['logs', '--tail', '2', 'berth-test-ticker']);
    expect(tail.stdout.trim().split('\n')).toHaveLength(2);
    const stamped = await daemon.cli(['logs', '-t', '--tail', '1', id.slice(0, 12)]);
    expect(stamped.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z tick \d+\n$/);

    // logs -f keeps streaming until the container stops.
    const follow = spawn(DOCKER_CLI, [
      '-H',
      `unix://${daemon.socket}`,
      'logs',
      '-f',
      '--since',
      '0',
      'berth-test-ticker',
    ]);
    let followed = '';
    follow.stdout.on('data', (d) => {
      followed += d;
    });
    const followEnded = new Promise<number | null>((r) => follow.on('close', r));
    await new Promise((r) => setTimeout(r, 400));
    const before = followed.length;
    await new Promise((r) => setTimeout(r, 400));
    expect(followed.length).toBeGreaterThan(before);

    const stopped = Date.now();
    await daemon.cli(['stop', '-t', '5', 'berth-test-ticker']);
    expect(Date.now() - stopped).toBeLessThan(4000); // the trap handled SIGTERM: no 5 s wait
    expect(await followEnded).toBe(0);
    expect(followed).toContain('tick 0\n');
    expect(followed.trim().endsWith('bye')).toBe(true);
    const state = JSON.parse(
      (await daemon.cli(['inspect', '-f', '{{json .State}}', 'berth-test-ticker'])).stdout,
    );
    expect(state).toMatchObject({ Status: 'exited', Running: false, ExitCode: 7, Pid: 0 });
    expect(Date.parse(state.FinishedAt)).toBeGreaterThan(Date.parse(state.StartedAt));
    // Logs stay after the exit.
    expect((await daemon.cli(['logs', 'berth-test-ticker'])).stdout).toContain('tick 1\n');
    await daemon.cli(['rm', 'berth-test-ticker']);
    expect(await exists('berth-test-ticker')).toBe(false);
  });

  it('kill sends the signal; stop escalates to SIGKILL after the timeout; rm -f removes a running container', async () => {
    await daemon.cli([
      'run',
      '-d',
      '--name',
      'berth-test-kill',
      '--network',
      'none',
      'busybox',
      'sleep',
      '1000',
    ]);
    const rm = await daemon.cli(['rm', 'berth-test-kill'], { allowFail: true });
    expect(rm.code).not.toBe(0);
    expect(rm.stderr).toMatch(
      /You cannot remove a running container [0-9a-f]{64}\. Stop the container before attempting removal or force remove/,
    );
    // sleep as PID 1 ignores SIGTERM: stop -t 1 kills it after a second.
    const t = Date.now();
    await daemon.cli(['stop', '-t', '1', 'berth-test-kill']);
    expect(Date.now() - t).toBeGreaterThanOrEqual(900);
    expect(
      (await daemon.cli(['inspect', '-f', '{{.State.ExitCode}}', 'berth-test-kill'])).stdout.trim(),
    ).toBe('137');
    await daemon.cli(['start', 'berth-test-kill']);
    await daemon.cli(['kill', '-s', 'KILL', 'berth-test-kill']);
    expect(
      (
        await daemon.cli(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'berth-test-kill'])
      ).stdout.trim(),
    ).toBe('exited 137');
    await daemon.cli(['start', 'berth-test-kill']);
    await daemon.cli(['rm', '-f', 'berth-test-kill']);
    expect(await exists('berth-test-kill')).toBe(false);
    expect(containerLeftovers(daemon)).toEqual({ mounts: [], cgroups: [], runtime: [] });
  });

  it('docker wait prints the exit code; start -a attaches', async () => {
    await daemon.cli([
      'create',
      '--name',
      'berth-test-wait',
      '--network',
      'none',
      'busybox',
      'sh',
      '-c',
      'echo started; exit 4',
    ]);
    const attached = await daemon.cli(['start', '-a', 'berth-test-wait'], { allowFail: true });
    expect(attached.stdout).toBe('started\n');
    expect(attached.code).toBe(4);
    expect((await daemon.cli(['wait', 'berth-test-wait'])).stdout.trim()).toBe('4');
    await daemon.cli(['rm', 'berth-test-wait']);
  });

  it('answers Docker messages for unknown containers and name conflicts', async () => {
    const missing = await daemon.cli(['inspect', 'berth-test-nothing'], { allowFail: true });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No such object: berth-test-nothing');
    const stop = await daemon.cli(['stop', 'berth-test-nothing'], { allowFail: true });
    expect(stop.stderr).toContain('No such container: berth-test-nothing');
    const { stdout } = await daemon.cli([
      'create',
      '--name',
      'berth-test-dup',
      '--network',
      'none',
      'busybox',
    ]);
    const dup = await daemon.cli(['create', '--name', 'berth-test-dup', 'busybox'], { allowFail: true });
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain(
      `Conflict. The container name "/berth-test-dup" is already in use by container "${stdout.trim()}". You have to remove (or rename) that container to be able to reuse that name.`,
    );
    const bad = await daemon.cli(['create', '--name', 'bad/name', 'busybox'], { allowFail: true });
    expect(bad.stderr).toContain(
      'Invalid container name (bad/name), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed',
    );
    await daemon.cli(['rm', 'berth-test-dup']);
  });
});
