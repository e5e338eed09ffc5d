import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './harness/berthd.js';
import { BERTH_CLI, berth } from './harness/cli.js';

describe('berth container commands', () => {
  let daemon: TestDaemon;
  const cli = (args: string[], options?: Parameters<typeof berth>[2]) => berth(daemon, args, options);
  /** Runs berth with a pseudo-terminal for stdin/stdout (util-linux `script`). */
  const onTerminal = (args: string, input = '') =>
    spawnSync(
      'script',
      [
        '-qec',
        `stty cols 100 rows 30; ${process.execPath} ${BERTH_CLI} -H unix://${daemon.socket} ${args}`,
        '/dev/null',
      ],
      {
        encoding: 'utf8',
        input,
        timeout: 30_000,
      },
    );

  beforeAll(async () => {
    daemon = await TestDaemon.start();
  });
  afterAll(async () => {
    await daemon?.destroy();
  });

  it('runs a container attached: output on the right fds, exit code propagated', async () => {
    const r = await cli([
      'run',
      '--name',
      'berth-test-exit',
      'busybox',
      'sh',
      '-c',
      'echo out; echo err >&2; exit 3',
    ]);
    expect(r).toEqual({ stdout: 'out\n', stderr: 'err\n', code: 3 });
    const rm = await cli([
      'run',
      '--rm',
      '-e',
      'GREETING=hi',
      '-w',
      '/tmp',
      '-u',
      '1000',
      '-h',
      'berth-host',
      'busybox',
      'sh',
      '-c',
      'echo $GREETING $(pwd) $(id -u) $(hostname)',
    ]);
    expect(rm.stdout).toBe('hi /tmp 1000 berth-host\n');
    expect(rm.code).toBe(0);
    const ps = await cli(['ps', '-a', '--format', '{{.Names}}']);
    expect(ps.stdout).not.toContain('berth-host');
  });

  it('sends stdin with -i and closes it at end of input', async () => {
    const r = await cli(['run', '-i', '--rm', 'busybox', 'sh', '-c', 'tr a-z A-Z; echo done'], {
      input: 'hello\nworld\n',
    });
    expect(r.stdout).toBe('HELLO\nWORLD\ndone\n');
    expect(r.code).toBe(0);
  });

  it("reports run's own failures with docker's exit codes", async () => {
    const missing = await cli(['run', '--rm', 'berth-test/no-such-image:v1', 'true']);
    expect(missing.code).toBe(125);
    expect(missing.stderr).toContain("Unable to find image 'berth-test/no-such-image:v1' locally");
    expect(missing.stderr).toContain('Error response from daemon:');
    const noCommand = await cli(['run', '--rm', 'busybox', 'berth-test-not-a-command']);
    expect(noCommand.code).toBe(127);
    const conflict = await cli(['run', '--rm', '--restart', 'always', 'busybox', 'true']);
    expect(conflict.code).toBe(125);
    expect(conflict.stderr).toContain('Conflicting options: --restart and --rm');
    const badFlag = await cli(['run', '--bogus', 'busybox']);
    expect(badFlag.code).toBe(125);
  });

  it('runs detached; ps, logs, exec, port, inspect and the lifecycle commands', async () => {
    const run = await cli([
      'run',
      '-d',
      '--name',
      'berth-test-web',
      '-p',
      '127.0.0.1:18765:80',
      '--label',
      'berth-test=yes',
      'busybox',
      'sh',
      '-c',
      'trap "exit 0" TERM; echo started; echo oops >&2; while true; do sleep 0.2; done',
    ]);
    expect(run.code).toBe(0);
    const id = run.stdout.trim();
    expect(id).toMatch(/^[a-f0-9]{64}$/);

    const ps = await cli(['ps']);
    const [header, ...rows] = ps.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
    const row = rows.find((r) => r.endsWith('berth-test-web'));
    expect(row).toMatch(new RegExp(`^${id.slice(0, 12)}\\s+busybox\\s+"sh -c .{1,24}…"\\s`));
    expect(row).toMatch(
      / (Less than a second|\d+ seconds?) ago\s+Up (Less than a second|\d+ seconds?)\s+127\.0\.0\.1:18765->80\/tcp\s+berth-test-web$/,
    );
    expect((await cli(['ps', '-q', '--filter', 'label=berth-test=yes'])).stdout).toBe(`${id.slice(0, 12)}\n`);
    expect((await cli(['ps', '--no-trunc', '-q', '--filter', 'name=berth-test-web'])).stdout).toBe(`${id}\n`);
    const json = JSON.parse(
      (await cli(['ps', '--format', 'json', '--filter', 'name=berth-test-web'])).stdout,
    );
    expect(json).toMatchObject({ Names: 'berth-test-web', State: 'running', Labels: 'berth-test=yes' });

    await new Promise((r) => setTimeout(r, 300));
    const logs = await cli(['logs', 'berth-test-web']);
    expect(logs).toMatchObject({ stdout: 'started\n', stderr: 'oops\n', code: 0 });
    const stamped = await cli(['logs', '--timestamps', '--tail', '1', 'berth-test-web']);
    expect(stamped.stdout + stamped.stderr).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z (started|oops)\n$/,
    );
    const since = await cli(['logs', '--since', '1h', 'berth-test-web']);
    expect(since.stdout).toBe('started\n');

    const exec = await cli([
      'exec',
      '-e',
      'X=1',
      '-w',
      '/etc',
      'berth-test-web',
      'sh',
      '-c',
      'echo $X $(pwd); echo e >&2; exit 4',
    ]);
    expect(exec).toEqual({ stdout: '1 /etc\n', stderr: 'e\n', code: 4 });
    const execIn = await cli(['exec', '-i', 'berth-test-web', 'cat'], { input: 'piped\n' });
    expect(execIn.stdout).toBe('piped\n');
    expect((await cli(['exec', '-d', 'berth-test-web', 'touch', '/tmp/detached'])).code).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect((await cli(['exec', 'berth-test-web', 'ls', '/tmp/detached'])).stdout).toBe('/tmp/detached\n');

    expect((await cli(['port', 'berth-test-web'])).stdout).toBe('80/tcp -> 127.0.0.1:18765\n');
    expect((await cli(['port', 'berth-test-web', '80'])).stdout).toBe('127.0.0.1:18765\n');
    const noPort = await cli(['port', 'berth-test-web', '81']);
    expect(noPort.code).toBe(1);

    const state = await cli([
      'inspect',
      '-f',
      '{{.State.Status}} {{.Name}} {{index .Config.Labels "berth-test"}}',
      'berth-test-web',
    ]);
    expect(state.stdout).toBe('running /berth-test-web yes\n');
    const inspected = JSON.parse((await cli(['container', 'inspect', id.slice(0, 12)])).stdout);
    expect(inspected[0].Id).toBe(id);

    expect((await cli(['stop', '-t', '5', 'berth-test-web'])).stdout).toBe('berth-test-web\n');
    const exited = await cli(['ps', '-a', '--filter', 'name=berth-test-web', '--format', '{{.Status}}']);
    expect(exited.stdout).toMatch(/^Exited \(0\) (Less than a second|\d+ seconds?) ago\n$/);
    expect((await cli(['start', 'berth-test-web'])).stdout).toBe('berth-test-web\n');
    expect((await cli(['restart', '-t', '1', 'berth-test-web'])).stdout).toBe('berth-test-web\n');
    expect((await cli(['kill', '-s', 'KILL', 'berth-test-web'])).stdout).toBe('berth-test-web\n');
    expect((await cli(['wait', 'berth-test-web'])).stdout).toBe('137\n');
    const busy = await cli(['rm', 'berth-test-web', 'berth-test-nothing']);
    expect(busy.code).toBe(1);
    expect(busy.stdout).toBe('berth-test-web\n');
    expect(busy.stderr).toBe('Error response from daemon: No such container: berth-test-nothing\n');
  });

  it('--log-driver and --log-opt reach the container: none keeps no log, json-file options are kept', async () => {
    const quiet = await cli([
      'run',
      '--name',
      'berth-test-nolog',
      '--log-driver',
      'none',
      'busybox',
      'echo',
      'hi',
    ]);
    expect(quiet).toMatchObject({ code: 0, stdout: 'hi\n' });
    const logs = await cli(['logs', 'berth-test-nolog']);
    expect(logs.code).not.toBe(0);
    expect(logs.stderr).toContain('configured logging driver does not support reading');
    await cli([
      'create',
      '--name',
      'berth-test-logopt',
      '--log-opt',
      'max-size=1k',
      '--log-opt',
      'max-file=2',
      'busybox',
    ]);
    const inspected = JSON.parse((await cli(['inspect', 'berth-test-logopt'])).stdout);
    expect(inspected[0].HostConfig.LogConfig).toEqual({
      Type: 'json-file',
      Config: { 'max-size': '1k', 'max-file': '2' },
    });
    const bad = await cli(['run', '--rm', '--log-opt', 'max-size', 'busybox']);
    expect(bad.code).toBe(125);
    expect(bad.stderr).toContain('invalid key/value pair format in logging opts: max-size');
    expect((await cli(['rm', '-f', 'berth-test-nolog', 'berth-test-logopt'])).code).toBe(0);
  });

  it('creates, then start -a attaches and exits with the code', async () => {
    const created = await cli([
      'create',
      '--name',
      'berth-test-created',
      'busybox',
      'sh',
      '-c',
      'echo from-start; exit 2',
    ]);
    expect(created.stdout).toMatch(/^[a-f0-9]{64}\n$/);
    const started = await cli(['start', '-a', 'berth-test-created']);
    expect(started).toMatchObject({ stdout: 'from-start\n', code: 2 });
    expect((await cli(['rm', '-f', 'berth-test-created', 'berth-test-exit'])).code).toBe(0);
  });

  it('-it: raw terminal, TTY in the container, terminal restored afterwards', async () => {
    const r = onTerminal(
      "run -it --rm busybox sh -c 'tty; stty size; exit 5'; echo rc=$?; stty -a | grep -o -- '-\\?icanon'",
    );
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
    expect(r.stdout).toContain('rc=5');
    // Our terminal is back in canonical mode.
    expect(r.stdout).toMatch(/\n(\r)?icanon/);
    await cli(['run', '-d', '--name', 'berth-test-tty', 'busybox', 'sleep', '30']);
    const execTty = onTerminal("exec -it berth-test-tty sh -c 'tty; exit 6'; echo rc=$?");
    expect(execTty.stdout).toMatch(/\/dev\/pts\/\d+/);
    expect(execTty.stdout).toContain('rc=6');
    await cli(['rm', '-f', 'berth-test-tty']);
  });
});
