import { existsSync, readFileSync } from 'node:fs';
import { openCgroup } from '@berth/libcontainer';
import { afterEach, describe, expect, it } from 'vitest';
import { allHostDevices, ExecDriverError, parseDeviceCgroupRule } from '../src/index.js';
import { runToEnd, type Sandbox, sandbox } from './helpers.js';

const boxes: Sandbox[] = [];
afterEach(async () => {
  for (const b of boxes.splice(0)) await b.cleanup();
});
async function box() {
  const b = await sandbox();
  boxes.push(b);
  return b;
}

describe.skipIf(process.getuid?.() !== 0)('driver lifecycle', () => {
  it('goes created → running → stopped with the OCI state at each step', async () => {
    const s = await box();
    const id = s.id('life');
    const spec = await s.spec(['sh', '-c', 'read x; echo got $x; exit 3']);
    const created = await s.driver.create({ id, bundle: s.bundle, spec, stdin: true });
    expect(created).toMatchObject({ ociVersion: '1.2.0', id, status: 'created', bundle: s.bundle });
    expect(created.pid).toBeGreaterThan(0);
    const a = await s.driver.attach(id);
    let out = '';
    a.stdout.on('data', (d) => {
      out += d;
    });
    await s.driver.start(id);
    expect((await s.driver.state(id)).status).toBe('running');
    await expect(s.driver.start(id)).rejects.toMatchObject({ code: 'ERR_CONTAINER_NOT_CREATED' });
    await expect(s.driver.delete(id)).rejects.toMatchObject({ code: 'ERR_CONTAINER_RUNNING' });
    a.stdin.end('hello\n');
    const status = await s.driver.wait(id);
    expect(status).toMatchObject({ exitCode: 3, signal: null, started: true });
    expect((await s.driver.state(id)).status).toBe('stopped');
    await a.exit;
    expect(out).toBe('got hello\n');
    expect((await s.driver.list()).map((c) => c.id)).toEqual([id]);
    await s.driver.delete(id);
    await expect(s.driver.state(id)).rejects.toMatchObject({ code: 'ERR_CONTAINER_NOT_FOUND' });
    expect(await s.driver.list()).toEqual([]);
  });

  it('runs a privileged container with every capability the runtime holds, even where the host withholds some', async () => {
    const s = await box();
    const bounding = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1];
    const r = await runToEnd(
      s,
      'priv',
      await s.spec(['sh', '-c', 'grep CapEff /proc/self/status'], { privileged: true }),
    );
    expect(r.status.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe(`CapEff:\t${bounding}`);
  });

  it('passes host devices in: --device with its own path and access, every host device when privileged', async () => {
    const s = await box();
    // /dev/loop-control is outside Docker's default device rules, so its access is the --device's.
    const openForWrite = async (permissions: string) => {
      const devices = [{ hostPath: '/dev/loop-control', path: '/dev/berth-lc', permissions }];
      const script = '(exec 3> /dev/berth-lc) 2>/dev/null && echo opened || echo refused; ls /dev';
      const r = await runToEnd(s, 'dev', await s.spec(['sh', '-c', script], { devices }));
      return r.stdout.trim().split('\n');
    };
    const [refused, ...listed] = await openForWrite('r');
    expect(refused).toBe('refused');
    expect(listed).toContain('berth-lc');
    expect((await openForWrite('rw'))[0]).toBe('opened');
    // A host device that is not among Docker's defaults shows up only when privileged.
    const extra = allHostDevices().find(
      (d) => d.path.split('/').length === 3 && !listed.includes(d.path.slice(5)),
    );
    expect(extra).toBeDefined();
    const p = await runToEnd(s, 'privdev', await s.spec(['ls', '/dev'], { privileged: true }));
    expect(p.stdout.split('\n')).toContain(extra!.path.slice(5));
    // Host links are not followed: /dev/stdin stays the container's own link, not a node.
    const stdin = await runToEnd(s, 'privln', await s.spec(['readlink', '/dev/stdin'], { privileged: true }));
    expect(stdin.stdout.trim()).toBe('/proc/self/fd/0');
    const notDev = await s.spec(['true'], { devices: [{ hostPath: '/proc' }] }).catch((e) => e);
    expect(notDev).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', field: 'devices[0].hostPath' });
    // Bad input is refused before anything is made.
    const missing = await s
      .spec(['true'], { devices: [{ hostPath: '/dev/berth-test-missing' }] })
      .catch((e) => e);
    expect(missing).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', field: 'devices[0].hostPath' });
    const badRule = await s.spec(['true'], { deviceCgroupRules: ['x 1:3 r'] }).catch((e) => e);
    expect(badRule).toMatchObject({ code: 'ERR_INVALID_ARGUMENT', field: 'deviceCgroupRules[0]' });
    expect(parseDeviceCgroupRule('c 1:* rw')).toEqual({ allow: true, type: 'c', major: 1, access: 'rw' });
  });

  it('reports exit codes and signals', async () => {
    const s = await box();
    expect((await runToEnd(s, 'code', await s.spec(['sh', '-c', 'exit 42']))).status.exitCode).toBe(42);
    // A child killed by a signal, its status passed on by the shell; then the init itself.
    expect(
      (await runToEnd(s, 'child', await s.spec(['sh', '-c', 'sh -c "kill -SEGV \\$\\$"; exit $?']))).status
        .exitCode,
    ).toBe(139);
    const id = s.id('sig');
    await s.driver.create({ id, bundle: s.bundle, spec: await s.spec(['sleep', '100']) });
    await s.driver.start(id);
    await s.driver.kill(id, 'SIGKILL');
    expect(await s.driver.wait(id)).toMatchObject({ exitCode: 137, signal: 'SIGKILL' });
    await expect(s.driver.kill(id, 'SIGKILL')).rejects.toMatchObject({ code: 'ERR_CONTAINER_NOT_RUNNING' });
  });

  it('applies Docker defaults: caps, seccomp, masked paths, read-only /sys, default PATH', async () => {
    const s = await box();
    const r = await runToEnd(
      s,
      'defaults',
      await s.spec([
        'sh',
        '-c',
        'grep -E "^(CapEff|Seccomp|NoNewPrivs):" /proc/self/status; echo $PATH; cat /proc/kcore | wc -c; touch /sys/x 2>/dev/null || echo sys-ro; unshare -U true 2>/dev/null || echo unshare-blocked',
      ]),
    );
    expect(r.status.exitCode).toBe(0);
    expect(r.stdout).toContain('CapEff:\t00000000a80425fb');
    expect(r.stdout).toMatch(/Seccomp:\s+2/);
    expect(r.stdout).toContain('/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    expect(r.stdout).toContain('\n0\n');
    expect(r.stdout).toContain('sys-ro');
    expect(r.stdout).toContain('unshare-blocked');
  });

  it('rejects a bad spec with a typed error and leaves nothing behind', async () => {
    const s = await box();
    const good = await s.spec(['true']);
    const cases: Array<[string, unknown]> = [
      ['root', { ...good, root: undefined }],
      ['linux.namespaces[0].type', { ...good, linux: { ...good.linux, namespaces: [{ type: 'bogus' }] } }],
      [
        'mounts[0].destination',
        { ...good, mounts: [{ destination: 'relative', type: 'tmpfs', source: 'tmpfs' }] },
      ],
      ['root.path', { ...good, root: { path: 'no-such-dir' } }],
    ];
    for (const [field, spec] of cases) {
      const id = s.id('bad');
      const err = await s.driver.create({ id, bundle: s.bundle, spec: spec as never }).catch((e) => e);
      expect(err).toBeInstanceOf(ExecDriverError);
      expect(err).toMatchObject({ code: 'ERR_SPEC_INVALID', field });
      expect(existsSync(`${s.driver.root}/${id}`)).toBe(false);
      expect(existsSync(`${s.driver.root}/.driver/${id}`)).toBe(false);
      expect(existsSync(`/sys/fs/cgroup/memory/${s.cgroupParent}/${id}`)).toBe(false);
    }
    // A spec the kernel refuses: fails in the monitor, and still nothing is left.
    const id = s.id('badmount');
    const spec = {
      ...good,
      mounts: [...good.mounts!, { destination: '/x', type: 'bind', source: '/no/such', options: ['bind'] }],
    };
    const err = await s.driver.create({ id, bundle: s.bundle, spec }).catch((e) => e);
    expect(err).toBeInstanceOf(ExecDriverError);
    expect(existsSync(`${s.driver.root}/${id}`)).toBe(false);
    expect(existsSync(`/sys/fs/cgroup/memory/${s.cgroupParent}/${id}`)).toBe(false);
    expect(existsSync(`/sys/fs/cgroup/pids/${s.cgroupParent}/${id}`)).toBe(false);
  });
  it('lets exactly one of two concurrent creates with one id win, and keeps the winner intact', async () => {
    const s = await box();
    const id = s.id('race');
    const spec = await s.spec(['sleep', '30']);
    const results = await Promise.allSettled([
      s.driver.create({ id, bundle: s.bundle, spec }),
      s.driver.create({ id, bundle: s.bundle, spec }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toMatchObject({ code: 'ERR_CONTAINER_EXISTS' });
    expect((await s.driver.state(id)).status).toBe('created');
    await s.driver.delete(id, { force: true });
  });
  it('keeps its cgroup parent between containers and removes it on request once none is left', async () => {
    const s = await box();
    const parentDirs = openCgroup(`/${s.cgroupParent}`).directories;
    const { id } = await runToEnd(s, 'first', await s.spec(['true']));
    await s.driver.delete(id);
    expect(parentDirs.every((d) => existsSync(d))).toBe(true);
    const busy = s.id('busy');
    await s.driver.create({ id: busy, bundle: s.bundle, spec: await s.spec(['sleep', '30']) });
    await s.driver.removeCgroupParent();
    expect(parentDirs.every((d) => existsSync(d))).toBe(true);
    await s.driver.delete(busy, { force: true });
    await s.driver.removeCgroupParent();
    expect(parentDirs.some((d) => existsSync(d))).toBe(false);
  });
});
