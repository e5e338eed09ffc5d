import { afterEach, describe, expect, it } from 'vitest';
import { type Container, createContainer } from '../src/index.js';
import { busyboxSpec, makeBundle, type TestBundle, text } from './container-bundle.js';

const bundles: TestBundle[] = [];
const containers: Container[] = [];
afterEach(async () => {
  for (const c of containers.splice(0)) await c.delete({ force: true }).catch(() => undefined);
  for (const b of bundles.splice(0)) await b.cleanup();
});

async function create(args: string[], overrides: Parameters<typeof busyboxSpec>[1] = {}, stdin = false) {
  const b = await makeBundle();
  bundles.push(b);
  const c = await createContainer({
    id: 'berth-test-io',
    stateRoot: b.stateRoot,
    bundle: b.dir,
    spec: busyboxSpec(args, overrides),
    stdin,
  });
  containers.push(c);
  return c;
}

/** Reads a stream until `pattern` shows up in what has arrived. */
function until(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    stream.on('data', (d: Buffer) => {
      seen += d.toString();
      if (pattern.test(seen)) resolve(seen);
    });
    stream.on('end', () => reject(new Error(`stream ended before ${pattern}: ${JSON.stringify(seen)}`)));
  });
}

describe('container stdio', () => {
  it('passes stdin through and closes it on end()', async () => {
    const c = await create(['sh', '-c', 'cat; echo done'], {}, true);
    const a = await c.attach();
    const out = text(a.stdout);
    await a.start();
    a.stdin.write('hello\n');
    a.stdin.end();
    expect(await c.wait()).toMatchObject({ exitCode: 0 });
    expect(await out).toBe('hello\ndone\n');
  });

  it('gives a terminal that is a tty inside and follows resizes', async () => {
    const c = await create(
      ['sh', '-c', 'test -t 0 && echo is-a-tty; tty; stty size; read line; stty size'],
      {
        process: { terminal: true, consoleSize: { height: 24, width: 80 } },
      },
      true,
    );
    const a = await c.attach();
    const first = until(a.stdout, /24 80/);
    await a.start();
    const seen = await first;
    expect(seen).toContain('is-a-tty');
    expect(seen).toMatch(/\/dev\/pts\/\d+/);
    const second = until(a.stdout, /50 132/);
    a.resize(50, 132);
    a.stdin.write('go\r');
    await second;
    expect(await c.wait()).toMatchObject({ exitCode: 0 });
  });

  it('runs a seccomp profile: a denied syscall fails with EPERM', async () => {
    const c = await create(
      ['sh', '-c', 'mkdir /tmp/denied; echo rc=$?; touch /tmp/allowed && echo touched'],
      {
        linux: {
          ...busyboxSpec([]).linux,
          seccomp: {
            defaultAction: 'SCMP_ACT_ALLOW',
            architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
            syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
          },
        },
      },
    );
    const a = await c.attach();
    const out = text(a.stdout);
    const err = text(a.stderr);
    await a.start();
    await c.wait();
    expect(await out).toBe('rc=1\ntouched\n');
    expect(await err).toMatch(/Operation not permitted/);
  });
});

describe('seccomp without no_new_privs', () => {
  it('loads the filter while capabilities are still held, so the program runs filtered', async () => {
    const c = await create(['sh', '-c', 'mkdir /tmp/denied 2>&1; echo rc=$?'], {
      process: { noNewPrivileges: false, user: { uid: 1000, gid: 1000 } },
      linux: {
        ...busyboxSpec([]).linux,
        seccomp: {
          defaultAction: 'SCMP_ACT_ALLOW',
          syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
        },
      },
    });
    const a = await c.attach();
    const out = text(a.stdout);
    await a.start();
    expect(await c.wait()).toMatchObject({ exitCode: 0 });
    expect(await out).toMatch(/Operation not permitted\nrc=1/);
  });
});

describe('terminal set-up errors', () => {
  it('reach the caller with the step and syscall that failed', async () => {
    // No /dev/pts mount: /dev/ptmx leads nowhere, so opening the terminal fails.
    const spec = busyboxSpec(['true'], { process: { terminal: true } });
    spec.mounts = spec.mounts!.filter((m) => m.destination !== '/dev/pts');
    const b = await makeBundle();
    bundles.push(b);
    const err = await createContainer({
      id: 'berth-test-tty',
      stateRoot: b.stateRoot,
      bundle: b.dir,
      spec,
    }).catch((e) => e);
    expect(err).toMatchObject({ code: 'ERR_CONTAINER_START_FAILED' });
    expect(err.message).toMatch(/^terminal: /);
    expect(err.syscall).toBeDefined();
  });
});

describe('exec', () => {
  it('runs a process inside a running container, with its own exit code and a terminal', async () => {
    const c = await create(['sleep', '60']);
    await c.start();
    const p = await c.exec({
      args: ['sh', '-c', 'hostname; cat /proc/1/cmdline | tr "\\0" " "; echo; exit 3'],
      cwd: '/',
      env: ['PATH=/bin'],
    });
    const a = await p.attach();
    const out = text(a.stdout);
    await a.start();
    expect(await p.wait()).toMatchObject({ exitCode: 3 });
    expect(await out).toBe('berth-test\nsleep 60 \n');

    const t = await c.exec({
      args: ['sh', '-c', 'test -t 1 && echo tty'],
      cwd: '/tmp',
      env: ['PATH=/bin'],
      terminal: true,
    });
    const ta = await t.attach();
    const tout = text(ta.stdout);
    await ta.start();
    expect(await t.wait()).toMatchObject({ exitCode: 0 });
    expect(await tout).toContain('tty');
  });

  it('is refused for a container that is not running', async () => {
    const c = await create(['true']);
    await expect(c.exec({ args: ['true'], cwd: '/' })).rejects.toMatchObject({
      code: 'ERR_CONTAINER_NOT_RUNNING',
    });
  });
});
