import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';
import { STOP_SIGNAL_ANNOTATION } from '../src/index.js';
import { runToEnd, type Sandbox, sandbox, text } from './helpers.js';

const boxes: Sandbox[] = [];
afterEach(async () => {
  for (const b of boxes.splice(0)) await b.cleanup();
});
async function box() {
  const b = await sandbox();
  boxes.push(b);
  return b;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(process.getuid?.() !== 0)('driver control', () => {
  it('stop: the stop signal, then SIGKILL after the grace period', async () => {
    const s = await box();
    // PID 1 of a pid namespace ignores SIGTERM without a handler: only SIGKILL ends it.
    const stubborn = s.id('stubborn');
    await s.driver.create({ id: stubborn, bundle: s.bundle, spec: await s.spec(['sleep', '1000']) });
    await s.driver.start(stubborn);
    const t0 = Date.now();
    const st = await s.driver.stop(stubborn, { timeout: 1 });
    const took = Date.now() - t0;
    expect(st).toMatchObject({ signal: 'SIGKILL', exitCode: 137 });
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(5000);
    // A process that handles the image's StopSignal ends at once with it.
    const polite = s.id('polite');
    const spec = await s.spec(['sh', '-c', 'trap "echo bye; exit 5" USR1; while :; do sleep 0.1; done'], {
      stopSignal: 'USR1',
    });
    expect(spec.annotations?.[STOP_SIGNAL_ANNOTATION]).toBe('SIGUSR1');
    await s.driver.create({ id: polite, bundle: s.bundle, spec });
    await s.driver.start(polite);
    await sleep(200);
    const t1 = Date.now();
    expect(await s.driver.stop(polite, { timeout: 10 })).toMatchObject({ exitCode: 5 });
    expect(Date.now() - t1).toBeLessThan(3000);
    const logs = [];
    for await (const e of s.driver.logs(polite)) logs.push(e);
    expect(logs.map((e) => [e.stream, e.log])).toEqual([['stdout', 'bye\n']]);
  });

  it('logs: json-file entries, and follow until exit', async () => {
    const s = await box();
    const id = s.id('logs');
    await s.driver.create({
      id,
      bundle: s.bundle,
      spec: await s.spec(['sh', '-c', 'echo one; echo two >&2; sleep 0.3; echo three']),
    });
    const followed: string[] = [];
    const follow = (async () => {
      for await (const e of s.driver.logs(id, { follow: true })) followed.push(`${e.stream}:${e.log}`);
    })();
    await s.driver.start(id);
    await s.driver.wait(id);
    await follow;
    expect(followed).toEqual(['stdout:one\n', 'stderr:two\n', 'stdout:three\n']);
    const tail = [];
    for await (const e of s.driver.logs(id, { tail: 1 })) tail.push(e.log);
    expect(tail).toEqual(['three\n']);
  });

  it('logs rotate at maxSize keeping maxFiles files; logs() reads across them, also following', async () => {
    const s = await box();
    const id = s.id('rotate');
    const logPath = join(s.dir, `${id}.log`);
    await s.driver.create({
      id,
      bundle: s.bundle,
      logPath,
      logRotation: { maxSize: 1000, maxFiles: 3 },
      spec: await s.spec([
        'sh',
        '-c',
        'for i in $(seq 1 120); do echo line-$i; [ $((i % 10)) = 0 ] && sleep 0.02; done',
      ]),
    });
    const followed: string[] = [];
    const follow = (async () => {
      for await (const e of s.driver.logs(id, { follow: true })) followed.push(e.log.trim());
    })();
    await s.driver.start(id);
    await s.driver.wait(id);
    await follow;
    const all = Array.from({ length: 120 }, (_, i) => `line-${i + 1}`);
    // Followed as it was written: every line once, in order, across the rotations.
    expect(followed).toEqual(all);
    // On disk: the log and two rotated files, each within the limit; the oldest lines are gone.
    expect(existsSync(`${logPath}.1`) && existsSync(`${logPath}.2`)).toBe(true);
    expect(existsSync(`${logPath}.3`)).toBe(false);
    for (const f of [logPath, `${logPath}.1`, `${logPath}.2`])
      expect(statSync(f).size).toBeLessThanOrEqual(1000);
    const kept: string[] = [];
    for await (const e of s.driver.logs(id)) kept.push(e.log.trim());
    expect(kept.length).toBeGreaterThan(20);
    expect(kept.length).toBeLessThan(120);
    expect(kept).toEqual(all.slice(120 - kept.length));
  });

  it('a log with one file is emptied when it reaches maxSize; noLog keeps none', async () => {
    const s = await box();
    const id = s.id('truncate');
    const logPath = join(s.dir, `${id}.log`);
    await s.driver.create({
      id,
      bundle: s.bundle,
      logPath,
      logRotation: { maxSize: 500 },
      spec: await s.spec(['sh', '-c', 'for i in $(seq 1 50); do echo line-$i; done']),
    });
    await s.driver.start(id);
    await s.driver.wait(id);
    expect(existsSync(`${logPath}.1`)).toBe(false);
    expect(statSync(logPath).size).toBeLessThanOrEqual(500);
    const kept: string[] = [];
    for await (const e of s.driver.logs(id)) kept.push(e.log.trim());
    expect(kept.at(-1)).toBe('line-50');
    expect(kept.length).toBeLessThan(50);

    const quiet = s.id('nolog');
    const quietLog = join(s.dir, `${quiet}.log`);
    await s.driver.create({
      id: quiet,
      bundle: s.bundle,
      logPath: quietLog,
      noLog: true,
      spec: await s.spec(['echo', 'hi']),
    });
    const a = await s.driver.attach(quiet);
    const out = text(a.stdout);
    await a.start();
    expect(await out).toBe('hi\n');
    await s.driver.wait(quiet);
    expect(existsSync(quietLog)).toBe(false);
  });

  it('stats are non-zero for a busy process; pause freezes it and resume thaws it', async () => {
    const s = await box();
    const id = s.id('busy');
    const spec = await s.spec(['sh', '-c', 'while :; do echo x >> /tmp/count; done'], {
      memory: 64 * 1024 * 1024,
      pidsLimit: 50,
    });
    await s.driver.create({ id, bundle: s.bundle, spec });
    await s.driver.start(id);
    await sleep(300);
    const stats = await s.driver.stats(id);
    expect(stats.cpu.usageNs).toBeGreaterThan(0);
    expect(stats.memory.usage).toBeGreaterThan(0);
    expect(stats.memory.limit).toBe(64 * 1024 * 1024);
    expect(stats.pids).toMatchObject({ current: 1, limit: 50 });
    // New limits on the running container; the sections not given stay.
    await s.driver.update(id, { memory: { limit: 96 * 1024 * 1024 } });
    const updated = await s.driver.stats(id);
    expect(updated.memory.limit).toBe(96 * 1024 * 1024);
    expect(updated.pids).toMatchObject({ limit: 50 });
    await expect(s.driver.update('berth-test-nope', { pids: { limit: 5 } })).rejects.toMatchObject({
      code: 'ERR_CONTAINER_NOT_FOUND',
    });
    // The counter: a file that only grows while the loop runs.
    const count = () => statSync(`${s.rootfs}/tmp/count`).size;
    await s.driver.pause(id);
    expect((await s.driver.state(id)).status).toBe('paused');
    await expect(s.driver.exec(id, { args: ['true'], cwd: '/' })).rejects.toMatchObject({
      code: 'ERR_CONTAINER_PAUSED',
    });
    const a = count();
    await sleep(300);
    expect(count()).toBe(a);
    await s.driver.resume(id);
    expect((await s.driver.state(id)).status).toBe('running');
    await sleep(300);
    expect(count()).toBeGreaterThan(a);
    // A paused container still stops (it is thawed to take the signal).
    await s.driver.pause(id);
    expect(await s.driver.stop(id, { timeout: 1 })).toMatchObject({ signal: 'SIGKILL' });
    await s.driver.delete(id);
    expect(existsSync(`/sys/fs/cgroup/freezer/${s.cgroupParent}/${id}`)).toBe(false);
    expect(existsSync(`/sys/fs/cgroup/memory/${s.cgroupParent}/${id}`)).toBe(false);
  });

  it('exec runs in the container with its own stdio and exit code', async () => {
    const s = await box();
    const id = s.id('exec');
    await s.driver.create({
      id,
      bundle: s.bundle,
      spec: await s.spec(['sleep', '1000'], { hostname: 'boxy' }),
    });
    await s.driver.start(id);
    const p = await s.driver.exec(
      id,
      { args: ['sh', '-c', 'hostname; cat; echo err >&2; exit 4'], cwd: '/tmp', env: ['PATH=/bin'] },
      { stdin: true },
    );
    const a = await p.attach();
    const out = text(a.stdout);
    const err = text(a.stderr);
    await a.start();
    a.stdin.end('piped\n');
    expect(await p.wait()).toMatchObject({ exitCode: 4 });
    expect(await out).toBe('boxy\npiped\n');
    expect(await err).toBe('err\n');
    expect((await s.driver.pids(id)).length).toBe(1);
    const events = s.driver.events(id);
    await s.driver.kill(id, 'SIGKILL');
    const seen = [];
    for await (const e of events) seen.push(e);
    expect(seen).toEqual([{ type: 'exit', id, status: expect.objectContaining({ exitCode: 137 }) }]);
  });

  it('reports an OOM kill as an event', async () => {
    const s = await box();
    const id = s.id('oom');
    const spec = await s.spec(['sh', '-c', 'x=a; while :; do x="$x$x"; done'], {
      memory: 16 * 1024 * 1024,
      memorySwap: 16 * 1024 * 1024,
    });
    await s.driver.create({ id, bundle: s.bundle, spec });
    const events = s.driver.events(id);
    const first = events.next();
    await s.driver.start(id);
    const seen = [await first];
    for await (const e of events) seen.push({ value: e, done: false });
    expect(seen.map((r) => r.value?.type)).toEqual(['oom', 'exit']);
  });

  it('resolves User against the rootfs passwd and group files', async () => {
    const s = await box();
    execFileSync('sh', [
      '-c',
      `echo 'staff:x:50:berth' >> ${s.rootfs}/etc/group; echo 'audio:x:29:berth,nobody' >> ${s.rootfs}/etc/group`,
    ]);
    const cases: Array<[string, string]> = [
      ['berth', 'uid=1000 gid=1000 groups=29,50,1000'],
      ['1000', 'uid=1000 gid=1000 groups=29,50,1000'],
      ['berth:staff', 'uid=1000 gid=50 groups=29,50'],
      ['4242:4343', 'uid=4242 gid=4343 groups=4343'],
      ['nobody', 'uid=65534 gid=65534 groups=29,65534'],
    ];
    for (const [user, want] of cases) {
      const r = await runToEnd(
        s,
        'user',
        await s.spec(
          [
            'sh',
            '-c',
            'echo uid=$(id -u) gid=$(id -g) groups=$(id -G | tr " " "\\n" | sort -n | tr "\\n" "," | sed "s/,$//"); echo home=$HOME',
          ],
          { user },
        ),
      );
      expect(r.stdout.split('\n')[0]!.replace(/,/g, ',')).toBe(want);
    }
    await expect(s.spec(['true'], { user: 'ghost' })).rejects.toMatchObject({ code: 'ERR_USER_NOT_FOUND' });
    await expect(s.spec(['true'], { user: 'berth:ghosts' })).rejects.toMatchObject({
      code: 'ERR_USER_NOT_FOUND',
    });
  });
});
