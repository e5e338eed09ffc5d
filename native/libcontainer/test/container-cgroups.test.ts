import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type CgroupManager, type Container, createContainer, openCgroup } from '../src/index.js';
import { busyboxSpec, makeBundle, type TestBundle, text } from './container-bundle.js';

const bundles: TestBundle[] = [];
const containers: Container[] = [];
const cgroups: CgroupManager[] = [];
afterEach(async () => {
  for (const c of containers.splice(0)) await c.delete({ force: true }).catch(() => undefined);
  for (const g of cgroups.splice(0)) {
    await g.remove({ kill: true });
    await openCgroup(g.path.split('/').slice(0, -1).join('/')).remove();
  }
  for (const b of bundles.splice(0)) await b.cleanup();
});

/** A container in its own cgroup with the given limits, started and waited for. */
async function runLimited(args: string[], resources: Parameters<CgroupManager['create']>[0]) {
  const b = await makeBundle();
  bundles.push(b);
  const cgroup = openCgroup(`berth-test-${randomBytes(4).toString('hex')}/ctr`);
  cgroups.push(cgroup);
  cgroup.create(resources);
  const c = await createContainer({
    id: 'berth-test-limited',
    stateRoot: b.stateRoot,
    bundle: b.dir,
    spec: busyboxSpec(args),
    cgroupProcs: cgroup.procsFiles(),
  });
  containers.push(c);
  const a = await c.attach();
  const out = text(a.stdout);
  const err = text(a.stderr);
  const oomBefore = cgroup.oomKillCount();
  await a.start();
  const status = await c.wait();
  return {
    status,
    stdout: await out,
    stderr: await err,
    oomKills: cgroup.oomKillCount() - oomBefore,
    cgroup,
  };
}

describe('containers in cgroups', () => {
  it('runs inside the cgroup it was given, and sees it as its root (cgroup namespace)', async () => {
    const { stdout } = await runLimited(['cat', '/proc/self/cgroup'], {});
    const lines = stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.split(':')[2]).toBe('/');
  });

  it('a memory limit OOM-kills an allocator, and the OOM is seen', async () => {
    // busybox has no allocator: fill a tmpfs-free pipe buffer in the shell's memory instead.
    const { status, oomKills } = await runLimited(['sh', '-c', 'x=a; while true; do x="$x$x"; done'], {
      memory: { limit: 32 * 1024 * 1024, swap: 32 * 1024 * 1024 },
    });
    expect(status).toMatchObject({ signal: 'SIGKILL', exitCode: 137 });
    expect(oomKills).toBeGreaterThanOrEqual(1);
  });

  it('a pids limit makes fork fail inside the container', async () => {
    const { status, stderr } = await runLimited(
      ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8; do sleep 2 & done; wait'],
      {
        pids: { limit: 4 },
      },
    );
    expect(stderr).toMatch(/can't fork/);
    expect(status.exitCode).not.toBe(0);
  });
});
