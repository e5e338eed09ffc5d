import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type Container, createContainer, isLibcontainerError, loadContainer } from '../src/index.js';
import { busyboxSpec, makeBundle, type TestBundle, text } from './container-bundle.js';

const bundles: TestBundle[] = [];
const containers: Container[] = [];
afterEach(async () => {
  for (const c of containers.splice(0)) await c.delete({ force: true }).catch(() => undefined);
  for (const b of bundles.splice(0)) await b.cleanup();
});

async function bundle(): Promise<TestBundle> {
  const b = await makeBundle();
  bundles.push(b);
  return b;
}

async function run(args: string[], overrides: Parameters<typeof busyboxSpec>[1] = {}) {
  const b = await bundle();
  const c = await createContainer({
    id: 'berth-test-c1',
    stateRoot: b.stateRoot,
    bundle: b.dir,
    spec: busyboxSpec(args, overrides),
    logPath: `${b.dir}/log.json`,
  });
  containers.push(c);
  const a = await c.attach();
  const out = text(a.stdout);
  const err = text(a.stderr);
  await a.start();
  const status = await c.wait();
  return { c, b, status, stdout: await out, stderr: await err };
}

describe('container lifecycle', () => {
  it('creates, waits before exec, starts, reports output and exit code', async () => {
    const b = await bundle();
    const c = await createContainer({
      id: 'berth-test-life',
      stateRoot: b.stateRoot,
      bundle: b.dir,
      spec: busyboxSpec(['sh', '-c', 'echo out; echo err >&2; exit 7']),
      logPath: `${b.dir}/log.json`,
    });
    containers.push(c);
    expect(await c.status()).toBe('created');
    const a = await c.attach();
    const out = text(a.stdout);
    const err = text(a.stderr);
    await a.start();
    const status = await c.wait();
    expect(status).toMatchObject({ exitCode: 7, signal: null, started: true });
    expect(await out).toBe('out\n');
    expect(await err).toBe('err\n');
    expect(await c.status()).toBe('stopped');
    const log = readFileSync(`${b.dir}/log.json`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(log.map((l) => [l.stream, l.log])).toEqual(
      expect.arrayContaining([
        ['stdout', 'out\n'],
        ['stderr', 'err\n'],
      ]),
    );
    expect(log[0].time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  });

  it('is PID 1 in its own pid namespace and sees no host process', async () => {
    // Shell built-ins only, so that the shell is the one process there is.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion
    const script = 'echo $$; for p in /proc/[0-9]*; do echo ${p#/proc/}; done';
    const { stdout } = await run(['sh', '-c', script]);
    expect(stdout.trim().split('\n')).toEqual(['1', '1']);
  });

  it('has its hostname, its rootfs as /, and a read-only rootfs when asked', async () => {
    const { stdout } = await run(['sh', '-c', 'hostname; ls /; touch /newfile 2>&1; echo rc=$?'], {
      root: { path: 'rootfs', readonly: true },
    });
    expect(stdout).toMatch(/^berth-test\n/);
    expect(stdout).toContain('linuxrc');
    expect(stdout).toMatch(/Read-only file system/);
    expect(stdout).toContain('rc=1');
  });

  it('masks files and directories, and makes /proc/sys read-only', async () => {
    // /proc/kcore does not exist on every kernel (not on this VM's): mask a file that does too.
    const { stdout, stderr } = await run(
      [
        'sh',
        '-c',
        'wc -c < /proc/meminfo; ls -A /sys/firmware | wc -l; cat /proc/kcore 2>/dev/null | wc -c; echo 1 > /proc/sys/kernel/domainname; echo rc=$?',
      ],
      {
        linux: {
          ...busyboxSpec([]).linux,
          maskedPaths: ['/proc/kcore', '/proc/meminfo', '/sys/firmware'],
          readonlyPaths: ['/proc/sys'],
        },
      },
    );
    expect(stdout.trim().split('\n')).toEqual(['0', '0', '0', 'rc=1']);
    expect(stderr).toMatch(/Read-only file system/);
  });

  it('has exactly the capabilities of the spec', async () => {
    const caps = ['CAP_KILL', 'CAP_CHOWN'];
    const { stdout } = await run(['sh', '-c', 'grep -E "^Cap(Eff|Prm|Bnd)" /proc/self/status'], {
      process: {
        capabilities: {
          bounding: caps,
          effective: caps,
          permitted: caps,
          inheritable: undefined,
          ambient: undefined,
        },
      },
    });
    expect(stdout).toContain('CapEff:\t0000000000000021');
    expect(stdout).toContain('CapPrm:\t0000000000000021');
    expect(stdout).toContain('CapBnd:\t0000000000000021');
  });

  it('keeps ambient capabilities for a non-root user across exec', async () => {
    const caps = ['CAP_NET_BIND_SERVICE'];
    const { stdout } = await run(['sh', '-c', 'id -u; grep -E "^Cap(Eff|Amb|Bnd)" /proc/self/status'], {
      process: {
        user: { uid: 1000, gid: 1000 },
        capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: caps, ambient: caps },
      },
    });
    expect(stdout).toMatch(/^1000\n/);
    expect(stdout).toContain('CapEff:\t0000000000000400');
    expect(stdout).toContain('CapAmb:\t0000000000000400');
    expect(stdout).toContain('CapBnd:\t0000000000000400');
  });

  it('runs as the spec user with its groups', async () => {
    const { stdout } = await run(['id'], {
      process: { user: { uid: 1000, gid: 1000, additionalGids: [10, 20] } },
    });
    expect(stdout.trim()).toMatch(
      /^uid=1000\(berth\) gid=1000\(berth\) groups=1000\(berth\),10,20|^uid=1000\(berth\) gid=1000\(berth\) groups=10,20/,
    );
  });

  it('reports death by signal as 128+n', async () => {
    const b = await bundle();
    const c = await createContainer({
      id: 'berth-test-sig',
      stateRoot: b.stateRoot,
      bundle: b.dir,
      spec: busyboxSpec(['sleep', '60']),
    });
    containers.push(c);
    await c.start();
    c.kill('SIGKILL');
    expect(await c.wait()).toMatchObject({ exitCode: 137, signal: 'SIGKILL' });
  });

  it('fails to create with a typed error when the program does not exist, leaving nothing', async () => {
    const b = await bundle();
    const err = await createContainer({
      id: 'berth-test-missing',
      stateRoot: b.stateRoot,
      bundle: b.dir,
      spec: busyboxSpec(['/no/such/program']),
    }).catch((e) => e);
    expect(isLibcontainerError(err, 'ERR_CONTAINER_START_FAILED')).toBe(true);
    expect(err.message).toContain('/no/such/program');
    expect(err.errnoCode).toBe('ENOENT');
    await expect(loadContainer(b.stateRoot, 'berth-test-missing')).rejects.toMatchObject({
      code: 'ERR_CONTAINER_NOT_FOUND',
    });
  });

  it('refuses bad specs before starting anything', async () => {
    const b = await bundle();
    const create = (spec: unknown) =>
      createContainer({ id: 'berth-test-bad', stateRoot: b.stateRoot, bundle: b.dir, spec: spec as never });
    await expect(create({ ...busyboxSpec(['true']), root: { path: 'nope' } })).rejects.toMatchObject({
      code: 'ERR_SPEC_INVALID',
      path: 'root.path',
    });
    await expect(create(busyboxSpec([]))).rejects.toMatchObject({
      code: 'ERR_SPEC_INVALID',
      path: 'process.args',
    });
    await expect(
      create(busyboxSpec(['true'], { linux: { namespaces: [{ type: 'bogus' }] } })),
    ).rejects.toMatchObject({ code: 'ERR_SPEC_INVALID' });
    await expect(
      createContainer({
        id: '../escape',
        stateRoot: b.stateRoot,
        bundle: b.dir,
        spec: busyboxSpec(['true']),
      }),
    ).rejects.toMatchObject({ code: 'ERR_SPEC_INVALID' });
  });

  it('kills, and a second container with the same id is refused while the first exists', async () => {
    const b = await bundle();
    const c = await createContainer({
      id: 'berth-test-kill',
      stateRoot: b.stateRoot,
      bundle: b.dir,
      spec: busyboxSpec(['sh', '-c', 'trap "exit 143" TERM; touch /trap-set; sleep 60 & wait']),
    });
    containers.push(c);
    await c.start();
    expect(await c.status()).toBe('running');
    // A SIGTERM before the trap is set would be ignored (pid 1): wait until it is.
    for (let i = 0; i < 200 && !existsSync(`${b.rootfs}/trap-set`); i++)
      await new Promise((r) => setTimeout(r, 10));
    await expect(
      createContainer({
        id: 'berth-test-kill',
        stateRoot: b.stateRoot,
        bundle: b.dir,
        spec: busyboxSpec(['true']),
      }),
    ).rejects.toMatchObject({ code: 'ERR_CONTAINER_EXISTS' });
    c.kill('SIGTERM');
    // PID 1 of a pid namespace only gets the signals it handles: the trap here.
    expect(await c.wait()).toMatchObject({ signal: null, exitCode: 143 });
    expect(() => c.kill('SIGTERM')).toThrow(/not running/);
  });
});
