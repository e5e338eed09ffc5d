import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './harness/berthd.js';

/** Log drivers and options (`--log-driver`, `--log-opt`, daemon.json `log-driver`/`log-opts`) through docker 20.10. */

const unique = (what: string) => `berth-test-log-${what}-${randomBytes(3).toString('hex')}`;

/** The numbers a `seq` container printed, as `docker logs` shows them. */
const numbers = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => Number(line.trim().split(' ').pop()));

/** True when the list is n, n+1, … ending with `last`. */
const isSuffixEndingWith = (list: number[], last: number) =>
  list.length > 0 &&
  list.at(-1) === last &&
  list.every((n, i) => i === 0 || n === (list[i - 1] as number) + 1);

describe('container logging: json-file rotation and the none driver', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await TestDaemon.start();
  });
  afterAll(async () => {
    await daemon?.destroy();
  });

  const inspect = async (name: string) =>
    JSON.parse((await daemon.cli(['inspect', '--type', 'container', name])).stdout)[0];

  /** The sizes of a log and its rotated files on disk (undefined: no such file). */
  const logFiles = (logPath: string) =>
    ['', '.1', '.2'].map((suffix) =>
      existsSync(`${logPath}${suffix}`) ? statSync(`${logPath}${suffix}`).size : undefined,
    );

  it('with max-size=1k and max-file=2 keeps two files within 1000 bytes, and docker logs shows the newest lines in order', async () => {
    const name = unique('rotate');
    const run = await daemon.cli([
      'run',
      '--name',
      name,
      '--network',
      'none',
      '--log-opt',
      'max-size=1k',
      '--log-opt',
      'max-file=2',
      'busybox',
      'sh',
      '-c',
      'seq 1 400',
    ]);
    // The attached client sees everything; the log keeps only what fits.
    expect(numbers(run.stdout)).toHaveLength(400);
    const logs = numbers((await daemon.cli(['logs', name])).stdout);
    expect(logs.length).toBeLessThan(400);
    expect(isSuffixEndingWith(logs, 400)).toBe(true);

    const info = await inspect(name);
    expect(info.HostConfig.LogConfig).toEqual({
      Type: 'json-file',
      Config: { 'max-size': '1k', 'max-file': '2' },
    });
    const [current, rotated, beyond] = logFiles(info.LogPath);
    expect(current).toBeLessThanOrEqual(1000);
    expect(rotated).toBeGreaterThan(0);
    expect(rotated).toBeLessThanOrEqual(1000);
    expect(beyond).toBeUndefined();

    // --tail and --since read across the rotated file.
    expect(numbers((await daemon.cli(['logs', '--tail', '3', name])).stdout)).toEqual([398, 399, 400]);
    const stamped = (await daemon.cli(['logs', '-t', name])).stdout.trim().split('\n');
    const first = stamped[0] as string;
    const since = first.split(' ')[0] as string;
    const fromSince = numbers((await daemon.cli(['logs', '--since', since, name])).stdout);
    expect(fromSince).toEqual(logs);
    await daemon.cli(['rm', name]);
  });

  it('docker logs -f follows a rotating log to the container’s end without gaps', async () => {
    const name = unique('follow');
    await daemon.cli([
      'run',
      '-d',
      '--name',
      name,
      '--network',
      'none',
      '--log-opt',
      'max-size=1k',
      '--log-opt',
      'max-file=3',
      'busybox',
      'sh',
      '-c',
      'for i in $(seq 1 150); do echo $i; sleep 0.01; done',
    ]);
    const followed = numbers((await daemon.cli(['logs', '-f', name])).stdout);
    expect(isSuffixEndingWith(followed, 150)).toBe(true);
    await daemon.cli(['rm', '-f', name]);
  });

  it('keeps rotating on a restart by its restart policy', async () => {
    const name = unique('policy');
    await daemon.cli([
      'run',
      '-d',
      '--name',
      name,
      '--network',
      'none',
      '--restart',
      'on-failure:1',
      '--log-opt',
      'max-size=1k',
      '--log-opt',
      'max-file=2',
      'busybox',
      'sh',
      '-c',
      'seq 1 300; exit 3',
    ]);
    let info = await inspect(name);
    for (let i = 0; i < 100 && !(info.RestartCount === 1 && info.State.Status === 'exited'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      info = await inspect(name);
    }
    expect(info.RestartCount).toBe(1);
    expect(info.State.Status).toBe('exited');
    const [current, rotated, beyond] = logFiles(info.LogPath);
    expect(current).toBeLessThanOrEqual(1000);
    expect(rotated).toBeLessThanOrEqual(1000);
    expect(beyond).toBeUndefined();
    expect(isSuffixEndingWith(numbers((await daemon.cli(['logs', name])).stdout), 300)).toBe(true);
    await daemon.cli(['rm', name]);
  });

  it('with --log-driver none, docker run still prints the output but keeps no log: logs answers 501, inspect shows no LogPath', async () => {
    const name = unique('none');
    const run = await daemon.cli([
      'run',
      '--name',
      name,
      '--network',
      'none',
      '--log-driver',
      'none',
      'busybox',
      'echo',
      'hello-none',
    ]);
    expect(run.stdout).toBe('hello-none\n');

    const logs = await daemon.cli(['logs', name], { allowFail: true });
    expect(logs.code).not.toBe(0);
    expect(logs.stderr).toContain('configured logging driver does not support reading');
    const viaApi = await daemon.docker
      .getContainer(name)
      .logs({ stdout: true, follow: false })
      .catch((err: { statusCode?: number; json?: { message?: string } }) => err);
    expect(viaApi).toMatchObject({
      statusCode: 501,
      json: { message: 'configured logging driver does not support reading' },
    });

    const info = await inspect(name);
    expect(info.HostConfig.LogConfig).toEqual({ Type: 'none', Config: {} });
    expect(info.LogPath).toBe('');
    expect(
      readdirSync(join(daemon.dataRoot, 'containers', info.Id)).filter((f) => f.includes('log')),
    ).toEqual([]);

    // Attach's logs=1 has no history to replay: the stream just ends.
    const attached = (await daemon.docker.getContainer(name).attach({
      stream: false,
      logs: true,
      stdout: true,
      stderr: true,
      hijack: true,
    })) as NodeJS.ReadableStream;
    const replayed = await new Promise<number>((resolve) => {
      let bytes = 0;
      attached.on('data', (d: Buffer) => {
        bytes += d.length;
      });
      attached.on('end', () => resolve(bytes));
      attached.on('close', () => resolve(bytes));
    });
    expect(replayed).toBe(0);
    await daemon.cli(['rm', name]);
  });

  it('refuses an unknown driver, a bad max-size and an unknown option with a 400, and makes no container', async () => {
    const countContainers = async () =>
      (await daemon.cli(['ps', '-a', '-q'])).stdout.split('\n').filter(Boolean).length;
    const before = await countContainers();
    const dirsBefore = readdirSync(join(daemon.dataRoot, 'containers')).length;
    const refused = async (flags: string[], message: string) => {
      const r = await daemon.cli(['run', '--name', unique('bad'), ...flags, 'busybox', 'true'], {
        allowFail: true,
      });
      expect(r.code).toBe(125);
      expect(r.stderr).toContain(message);
    };
    await refused(['--log-driver', 'bogus'], "logger: no log driver named 'bogus' is registered");
    await refused(['--log-opt', 'max-size=abc'], "invalid value 'abc' for log opt 'max-size'");
    await refused(['--log-opt', 'foo=bar'], "unknown log opt 'foo' for json-file log driver");
    await refused(['--log-opt', 'max-file=0'], 'max-file cannot be less than 1');
    await refused(['--log-opt', 'compress=true'], 'not supported by this engine');
    // The docker CLI refuses options for none itself; the API answers other clients.
    const createVia = (LogConfig: { Type: string; Config: Record<string, string> }) =>
      daemon.docker
        .createContainer({ Image: 'busybox', HostConfig: { LogConfig } })
        .catch((err: { statusCode?: number; json?: { message?: string } }) => err);
    expect(await createVia({ Type: 'none', Config: { 'max-size': '1k' } })).toMatchObject({
      statusCode: 400,
      json: { message: "unknown log opt 'max-size' for none log driver" },
    });
    expect(await createVia({ Type: 'syslog', Config: {} })).toMatchObject({ statusCode: 400 });

    expect(await countContainers()).toBe(before);
    expect(readdirSync(join(daemon.dataRoot, 'containers'))).toHaveLength(dirsBefore);
  });

  it('takes the options dockerd takes: sizes in its units, max-file without max-size, compress=false, labels, tag, mode', async () => {
    const name = unique('opts');
    await daemon.cli([
      'create',
      '--name',
      name,
      '--log-opt',
      'max-file=3',
      '--log-opt',
      'compress=false',
      '--log-opt',
      'labels=a,b',
      '--log-opt',
      'tag={{.Name}}',
      '--log-opt',
      'mode=non-blocking',
      '--log-opt',
      'max-buffer-size=4m',
      'busybox',
      'true',
    ]);
    expect((await inspect(name)).HostConfig.LogConfig.Config).toMatchObject({
      'max-file': '3',
      tag: '{{.Name}}',
    });
    await daemon.cli(['rm', name]);
    for (const size of ['100', '1.5k', '10m', '2g', '1kb', '1KiB', '3 m']) {
      const sized = unique('size');
      await daemon.cli(['create', '--name', sized, '--log-opt', `max-size=${size}`, 'busybox', 'true']);
      await daemon.cli(['rm', sized]);
    }
  });
});

describe('container logging: the daemon default (log-driver, log-opts)', () => {
  let daemon: TestDaemon;
  beforeAll(async () => {
    daemon = await TestDaemon.start({ config: { 'log-opts': { 'max-size': '1k', 'max-file': '2' } } });
  });
  afterAll(async () => {
    await daemon?.destroy();
  });

  const logConfig = async (name: string) =>
    JSON.parse((await daemon.cli(['inspect', '-f', '{{json .HostConfig.LogConfig}}', name])).stdout);

  it('applies to a container made without log options; the container’s own options win by key', async () => {
    const plain = unique('default');
    const own = unique('own');
    const none = unique('nodefault');
    await daemon.cli(['create', '--name', plain, 'busybox', 'true']);
    await daemon.cli(['create', '--name', own, '--log-opt', 'max-size=5k', 'busybox', 'true']);
    await daemon.cli(['create', '--name', none, '--log-driver', 'none', 'busybox', 'true']);
    expect(await logConfig(plain)).toEqual({
      Type: 'json-file',
      Config: { 'max-size': '1k', 'max-file': '2' },
    });
    expect(await logConfig(own)).toEqual({
      Type: 'json-file',
      Config: { 'max-size': '5k', 'max-file': '2' },
    });
    // Another driver does not get json-file's defaults.
    expect(await logConfig(none)).toEqual({ Type: 'none', Config: {} });
    expect((await daemon.cli(['info', '-f', '{{.LoggingDriver}}'])).stdout.trim()).toBe('json-file');
    await daemon.cli(['rm', plain, own, none]);
  });

  it('keeps a container’s log config across a berthd restart, whatever the new default', async () => {
    const name = unique('restart');
    await daemon.cli(['create', '--name', name, '--network', 'none', 'busybox', 'seq', '1', '400']);
    daemon.options.config = {};
    await daemon.stop();
    await daemon.startProcess();
    await daemon.cli(['start', '-a', name]);
    const info = JSON.parse((await daemon.cli(['inspect', name])).stdout)[0];
    expect(info.HostConfig.LogConfig.Config).toEqual({ 'max-size': '1k', 'max-file': '2' });
    expect(statSync(info.LogPath).size).toBeLessThanOrEqual(1000);
    expect(statSync(`${info.LogPath}.1`).size).toBeLessThanOrEqual(1000);
    expect(existsSync(`${info.LogPath}.2`)).toBe(false);
    await daemon.cli(['rm', name]);
  });
});

describe('container logging: a bad daemon default', () => {
  it('stops berthd at start with an error naming log-driver or log-opts', async () => {
    const { spawnSync } = await import('node:child_process');
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { ENGINE_DIST } = await import('./harness/berthd.js');
    const dir = await mkdtemp(join(tmpdir(), 'berth-test-'));
    try {
      const start = async (config: unknown) => {
        const file = join(dir, 'daemon.json');
        await writeFile(file, JSON.stringify(config));
        const flags = ['--config-file', file, '-H', `unix://${dir}/b.sock`, '--data-root', `${dir}/data`];
        return spawnSync(
          process.execPath,
          [`${ENGINE_DIST}/berthd.js`, ...flags, '--exec-root', `${dir}/run`],
          {
            encoding: 'utf8',
          },
        );
      };
      const driver = await start({ 'log-driver': 'syslog' });
      expect(driver.status).toBe(1);
      expect(driver.stderr).toContain("log-driver: logger: no log driver named 'syslog' is registered");
      const size = await start({ 'log-opts': { 'max-size': 'lots' } });
      expect(size.status).toBe(1);
      expect(size.stderr).toContain("log-opts: invalid value 'lots' for log opt 'max-size'");
      const notString = await start({ 'log-opts': { 'max-file': 3 } });
      expect(notString.status).toBe(1);
      expect(notString.stderr).toContain('log-opts');
      expect(existsSync(join(dir, 'data'))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
