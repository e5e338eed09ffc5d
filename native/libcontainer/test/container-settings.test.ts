import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type Container, createContainer } from '../src/index.js';
import { busyboxSpec, makeBundle, type TestBundle, text } from './container-bundle.js';

const bundles: TestBundle[] = [];
const containers: Container[] = [];
const netns: string[] = [];
afterEach(async () => {
  for (const c of containers.splice(0)) await c.delete({ force: true }).catch(() => undefined);
  for (const b of bundles.splice(0)) await b.cleanup();
  for (const n of netns.splice(0)) execFileSync('ip', ['netns', 'delete', n]);
});

async function run(args: string[], overrides: Parameters<typeof busyboxSpec>[1] = {}) {
  const b = await makeBundle();
  bundles.push(b);
  const c = await createContainer({
    id: 'berth-test-set',
    stateRoot: b.stateRoot,
    bundle: b.dir,
    spec: busyboxSpec(args, overrides),
  });
  containers.push(c);
  const a = await c.attach();
  const out = text(a.stdout);
  const err = text(a.stderr);
  await a.start();
  const status = await c.wait();
  return { status, stdout: await out, stderr: await err };
}

describe('process and kernel settings', () => {
  it('applies sysctls, rlimits, umask, oom_score_adj and cwd', async () => {
    const { stdout, stderr } = await run(
      ['sh', '-c', 'cat /proc/sys/net/ipv4/ip_forward; ulimit -n; umask; cat /proc/self/oom_score_adj; pwd'],
      {
        linux: { ...busyboxSpec([]).linux, sysctl: { 'net.ipv4.ip_forward': '1' } },
        process: {
          cwd: '/tmp',
          user: { uid: 0, gid: 0, umask: 0o027 },
          rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1234, hard: 2345 }],
          oomScoreAdj: 500,
        },
      },
    );
    expect(stdout.trim().split('\n'), stderr).toEqual(['1', '1234', '0027', '500', '/tmp']);
  });

  it('maps users in a user namespace', async () => {
    const { stdout, stderr } = await run(
      ['sh', '-c', 'id -u; cat /proc/self/uid_map; stat -c %u /bin/busybox'],
      {
        linux: {
          ...busyboxSpec([]).linux,
          namespaces: [
            { type: 'user' },
            { type: 'pid' },
            { type: 'mount' },
            { type: 'uts' },
            { type: 'ipc' },
            { type: 'network' },
          ],
          uidMappings: [{ containerID: 0, hostID: 200000, size: 65536 }],
          gidMappings: [{ containerID: 0, hostID: 200000, size: 65536 }],
        },
        // sysfs and cgroupfs belong to the host's user namespace; leave them out here.
        mounts: busyboxSpec([]).mounts!.filter((m) => m.type !== 'sysfs' && m.type !== 'cgroup'),
      },
    );
    const [uid, map, owner] = stdout.trim().split('\n');
    expect(uid, stderr).toBe('0');
    expect(map!.trim().split(/\s+/)).toEqual(['0', '200000', '65536']);
    // Host root is not mapped: its files show as the overflow uid.
    expect(owner).toBe('65534');
  });

  it('joins a network namespace given by path', async () => {
    const name = `berth-test-${process.pid}`;
    execFileSync('ip', ['netns', 'add', name]);
    netns.push(name);
    const path = `/run/netns/${name}`;
    const inode = statSync(path).ino;
    const namespaces = busyboxSpec([]).linux!.namespaces!.map((n) =>
      n.type === 'network' ? { type: 'network', path } : n,
    );
    const { stdout } = await run(['readlink', '/proc/self/ns/net'], {
      linux: { ...busyboxSpec([]).linux, namespaces },
    });
    expect(stdout.trim()).toBe(`net:[${inode}]`);
  });

  it('fails set-up with a typed error naming the step, the syscall and the path', async () => {
    const b = await makeBundle();
    bundles.push(b);
    const spec = busyboxSpec(['true'], {
      mounts: [{ destination: '/data', type: 'bind', source: '/no/such/dir', options: ['rbind'] }],
    });
    const err = await createContainer({
      id: 'berth-test-fail',
      stateRoot: b.stateRoot,
      bundle: b.dir,
      spec,
    }).catch((e) => e);
    expect(err).toMatchObject({
      code: 'ERR_CONTAINER_START_FAILED',
      syscall: 'stat',
      path: '/no/such/dir',
      errnoCode: 'ENOENT',
    });
    expect(err.message).toContain('mount /data');
  });
});
