import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDaemon } from './harness/berthd.js';
import { containerCgroup, containerLeftovers } from './harness/leftovers.js';
import { apiRequest } from './harness/registry-images.js';

const raw = (socketPath: string, method: string, path: string, body?: string) =>
  apiRequest(socketPath, method, path, body ? { body, headers: { 'Content-Type': 'application/json' } } : {});

/** Output of a finished container through dockerode's demuxed logs. */
async function logsOf(container: Docker.Container): Promise<string> {
  const buf = (await container.logs({ stdout: true, stderr: true })) as unknown as Buffer;
  let out = '';
  for (let i = 0; i + 8 <= buf.length; ) {
    const len = buf.readUInt32BE(i + 4);
    out += buf.subarray(i + 8, i + 8 + len).toString();
    i += 8 + len;
  }
  return out;
}

/** The Engine API through dockerode: create options, inspect, list, lifecycle, errors. */
describe('containers API', () => {
  let daemon: TestDaemon;
  let docker: Docker;
  let hostDir: string;
  beforeAll(async () => {
    daemon = await TestDaemon.start();
    docker = daemon.docker;
    hostDir = await mkdtemp(join(tmpdir(), 'berth-test-bind-'));
  });
  afterAll(async () => {
    await daemon?.destroy();
    await rm(hostDir, { recursive: true, force: true });
  });

  const run = async (name: string, cmd: string[], opts: Docker.ContainerCreateOptions = {}) => {
    const c = await docker.createContainer({
      name,
      Image: 'busybox',
      Cmd: cmd,
      ...opts,
      HostConfig: { NetworkMode: 'none', ...opts.HostConfig },
    });
    await c.start();
    return c;
  };

  it('bad requests get Docker status codes and messages, and leave nothing behind', async () => {
    const before = (await docker.listContainers({ all: true })).length;
    await expect(
      docker.createContainer({ Image: 'berth-test-no-such-image', Cmd: ['true'] }),
    ).rejects.toMatchObject({
      statusCode: 404,
      json: { message: 'No such image: berth-test-no-such-image' },
    });
    const badJson = await raw(daemon.socket, 'POST', '/v1.41/containers/create', '{"Image": "busybox",');
    expect(badJson.status).toBe(400);
    expect(JSON.parse(badJson.body).message).toMatch(/invalid JSON/);
    const badType = await raw(
      daemon.socket,
      'POST',
      '/v1.41/containers/create',
      '{"Image": "busybox", "Cmd": 5}',
    );
    expect(badType.status).toBe(400);
    const badName = await raw(
      daemon.socket,
      'POST',
      '/v1.41/containers/create?name=-x',
      '{"Image": "busybox"}',
    );
    expect(badName.status).toBe(400);
    expect(JSON.parse(badName.body).message).toBe(
      'Invalid container name (-x), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed',
    );
    await expect(
      docker.createContainer({ Image: 'busybox', HostConfig: { Binds: ['relative:/x:zz'] } }),
    ).rejects.toMatchObject({ statusCode: 400 });
    await expect(
      docker.createContainer({
        Image: 'busybox',
        HostConfig: { AutoRemove: true, RestartPolicy: { Name: 'always' } },
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
    await expect(
      docker.createContainer({ Image: 'busybox', HostConfig: { Memory: 1024 } }),
    ).rejects.toMatchObject({
      statusCode: 400,
      json: { message: 'Minimum memory limit allowed is 6MB' },
    });
    expect((await docker.listContainers({ all: true })).length).toBe(before);
    await expect(docker.getContainer('berth-test-missing').inspect()).rejects.toMatchObject({
      statusCode: 404,
      json: { message: 'No such container: berth-test-missing' },
    });
    const created = await docker.createContainer({ name: 'berth-test-once', Image: 'busybox' });
    await expect(docker.createContainer({ name: 'berth-test-once', Image: 'busybox' })).rejects.toMatchObject(
      {
        statusCode: 409,
      },
    );
    await created.remove();
    expect(containerLeftovers(daemon)).toEqual({ mounts: [], cgroups: [], runtime: [] });
  });

  it('inspect shows Docker fields: Name, Path/Args, State, Config merged with the image, HostConfig, LogPath', async () => {
    const c = await run('berth-test-inspect', ['sleep', '100'], {
      Env: ['FOO=bar'],
      Labels: { 'berth.test': 'inspect' },
      WorkingDir: '/tmp',
      Hostname: 'boxname',
      HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } },
    });
    const info = await c.inspect();
    expect(info.Id).toMatch(/^[0-9a-f]{64}$/);
    expect(info.Name).toBe('/berth-test-inspect');
    expect(info.Path).toBe('sleep');
    expect(info.Args).toEqual(['100']);
    expect(info.State).toMatchObject({
      Status: 'running',
      Running: true,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      ExitCode: 0,
      Error: '',
    });
    expect(info.State.Pid).toBeGreaterThan(0);
    expect(info.Image).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(info.Config.Image).toBe('busybox');
    expect(info.Config.Env).toContain('FOO=bar');
    expect(info.Config.Env.some((e: string) => e.startsWith('PATH='))).toBe(true);
    expect(info.Config.Labels).toEqual({ 'berth.test': 'inspect' });
    expect(info.Config.Hostname).toBe('boxname');
    expect(info.Config.WorkingDir).toBe('/tmp');
    expect(info.HostConfig.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 2 });
    expect(info.HostConfig.NetworkMode).toBe('none');
    expect(info.RestartCount).toBe(0);
    expect(info.LogPath).toContain(info.Id);
    expect(info.Created).toMatch(/^\d{4}-/);
    // Short ID prefixes resolve.
    expect((await docker.getContainer(info.Id.slice(0, 7)).inspect()).Id).toBe(info.Id);
    // Processes see what was asked.
    const exec = await c.exec({ Cmd: ['sh', '-c', 'echo $FOO $(pwd) $(hostname)'], AttachStdout: true });
    const stream = await exec.start({});
    const out = await new Promise<string>((resolve) => {
      let text = '';
      stream.on('data', (d: Buffer) => {
        text += d.subarray(8).toString();
      });
      stream.on('end', () => resolve(text));
    });
    expect(out).toBe('bar /tmp boxname\n');
    await c.remove({ force: true });
  });

  it('lists containers with all, limit and filters (id, name, label, status, ancestor, exited, before/since)', async () => {
    const a = await run('berth-test-list-a', ['sleep', '100'], { Labels: { tier: 'a' } });
    const b = await run('berth-test-list-b', ['sh', '-c', 'exit 3'], { Labels: { tier: 'b' } });
    await b.wait();
    const c = await docker.createContainer({
      name: 'berth-test-list-c',
      Image: 'busybox',
      Labels: { tier: 'c' },
    });
    const names = (list: Docker.ContainerInfo[]) =>
      list.flatMap((x) => x.Names).filter((n) => n.startsWith('/berth-test-list'));
    expect(names(await docker.listContainers())).toEqual(['/berth-test-list-a']);
    expect(names(await docker.listContainers({ all: true }))).toEqual([
      '/berth-test-list-c',
      '/berth-test-list-b',
      '/berth-test-list-a',
    ]);
    expect(await docker.listContainers({ limit: 1 })).toHaveLength(1);
    const f = (filters: Record<string, string[]>) => docker.listContainers({ all: true, filters });
    expect(names(await f({ label: ['tier=b'] }))).toEqual(['/berth-test-list-b']);
    expect(names(await f({ label: ['tier'] }))).toHaveLength(3);
    expect(names(await f({ status: ['exited'] }))).toEqual(['/berth-test-list-b']);
    expect(names(await f({ status: ['created'] }))).toEqual(['/berth-test-list-c']);
    expect(names(await f({ exited: ['3'] }))).toEqual(['/berth-test-list-b']);
    expect(names(await f({ exited: ['0'] }))).toEqual([]);
    expect(names(await f({ name: ['list-a'] }))).toEqual(['/berth-test-list-a']);
    expect(names(await f({ id: [a.id.slice(0, 10)] }))).toEqual(['/berth-test-list-a']);
    expect(names(await f({ ancestor: ['busybox'] }))).toHaveLength(3);
    expect(names(await f({ before: ['berth-test-list-c'] }))).toEqual([
      '/berth-test-list-b',
      '/berth-test-list-a',
    ]);
    expect(names(await f({ since: ['berth-test-list-a'] }))).toEqual([
      '/berth-test-list-c',
      '/berth-test-list-b',
    ]);
    expect(names(await f({ network: ['none'] }))).toEqual(['/berth-test-list-b', '/berth-test-list-a']);
    const row = (await f({ name: ['berth-test-list-b'] }))[0] as Docker.ContainerInfo;
    expect(row).toMatchObject({
      Image: 'busybox',
      Command: 'sh -c exit 3',
      State: 'exited',
      Labels: { tier: 'b' },
    });
    expect(row.Status).toMatch(/^Exited \(3\) .* ago$/);
    await expect(f({ status: ['sleeping'] })).rejects.toMatchObject({ statusCode: 400 });
    await expect(f({ colour: ['red'] })).rejects.toMatchObject({ statusCode: 400 });
    for (const x of [a, b, c]) await x.remove({ force: true });
  });

  it('top lists the processes; stats gives Docker stats JSON; pause stops a counter', async () => {
    const c = await run('berth-test-top', [
      'sh',
      '-c',
      'i=0; while true; do i=$((i+1)); echo $i > /tmp/n.new; mv /tmp/n.new /tmp/n; sleep 0.05; done',
    ]);
    const top = await c.top();
    expect(top.Titles).toContain('PID');
    expect(top.Titles).toContain('CMD');
    expect(top.Processes.some((p: string[]) => p[p.length - 1]?.includes('while true'))).toBe(true);
    const custom = await c.top({ ps_args: 'aux' });
    expect(custom.Titles).toContain('%CPU');
    const stats = (await c.stats({ stream: false, 'one-shot': true } as {
      stream: false;
    })) as Docker.ContainerStats & {
      id: string;
      name: string;
    };
    expect(stats.name).toBe('/berth-test-top');
    expect(stats.id).toBe(c.id);
    expect(stats.cpu_stats.cpu_usage.total_usage).toBeGreaterThan(0);
    expect(stats.cpu_stats.online_cpus).toBeGreaterThan(0);
    expect(stats.memory_stats.usage).toBeGreaterThan(0);
    expect(stats.memory_stats.limit).toBeGreaterThan(0);
    expect(stats.pids_stats?.current).toBeGreaterThanOrEqual(1);
    expect(stats).toHaveProperty('precpu_stats');
    expect(stats).toHaveProperty('blkio_stats');

    const counter = async () => {
      const e = await c.exec({ Cmd: ['cat', '/tmp/n'], AttachStdout: true });
      const s = await e.start({});
      // Docker's multiplexed frames (8-byte header, then the payload), however the chunks fall.
      const chunks: Buffer[] = [];
      for await (const d of s) chunks.push(d as Buffer);
      const all = Buffer.concat(chunks);
      let text = '';
      for (let at = 0; at + 8 <= all.length; at += 8 + all.readUInt32BE(at + 4))
        text += all.subarray(at + 8, at + 8 + all.readUInt32BE(at + 4)).toString();
      return Number(text.trim());
    };
    await c.pause();
    expect((await c.inspect()).State).toMatchObject({ Status: 'paused', Paused: true, Running: true });
    const frozen = readFileSync(
      join(containerCgroup(daemon, 'freezer', c.id) as string, 'freezer.state'),
      'utf8',
    ).trim();
    expect(frozen).toBe('FROZEN');
    await expect(c.pause()).rejects.toMatchObject({ statusCode: 409 });
    await expect(c.exec({ Cmd: ['true'] })).rejects.toMatchObject({ statusCode: 409 });
    await c.unpause();
    try {
      // The counter moves while running and (almost) not while paused: the execs around the pause add a few ticks.
      const n1 = await counter();
      await c.pause();
      await new Promise((r) => setTimeout(r, 1000));
      await c.unpause();
      const n2 = await counter();
      await new Promise((r) => setTimeout(r, 1000));
      const n3 = await counter();
      expect(n3 - n2).toBeGreaterThan(5);
      expect(n2 - n1).toBeLessThan((n3 - n2) / 2);
    } finally {
      await c.remove({ force: true });
    }
  });

  it('rename keeps the container and frees the old name', async () => {
    const c = await docker.createContainer({ name: 'berth-test-old', Image: 'busybox' });
    await c.rename({ name: 'berth-test-new' });
    expect((await c.inspect()).Name).toBe('/berth-test-new');
    await expect(docker.getContainer('berth-test-old').inspect()).rejects.toMatchObject({ statusCode: 404 });
    const other = await docker.createContainer({ name: 'berth-test-other', Image: 'busybox' });
    await expect(other.rename({ name: 'berth-test-new' })).rejects.toMatchObject({ statusCode: 409 });
    await c.remove();
    await other.remove();
  });

  it('memory and pids limits land in the container cgroup; read-only rootfs; user; capabilities', async () => {
    const c = await run('berth-test-limits', ['sleep', '100'], {
      User: '1000',
      HostConfig: {
        Memory: 64 * 1024 * 1024,
        PidsLimit: 20,
        NanoCpus: 500_000_000,
        ReadonlyRootfs: true,
        CapDrop: ['NET_RAW'],
      },
    });
    const mem = containerCgroup(daemon, 'memory', c.id) as string;
    expect(readFileSync(join(mem, 'memory.limit_in_bytes'), 'utf8').trim()).toBe(String(64 * 1024 * 1024));
    const pids = containerCgroup(daemon, 'pids', c.id) as string;
    expect(readFileSync(join(pids, 'pids.max'), 'utf8').trim()).toBe('20');
    const cpu = containerCgroup(daemon, 'cpu', c.id) as string;
    expect(readFileSync(join(cpu, 'cpu.cfs_quota_us'), 'utf8').trim()).toBe('50000');
    const exec = async (cmd: string) => {
      const e = await c.exec({ Cmd: ['sh', '-c', cmd], AttachStdout: true, AttachStderr: true });
      const s = await e.start({});
      const out = await new Promise<string>((resolve) => {
        let t = '';
        s.on('data', (d: Buffer) => {
          t += d.subarray(8).toString();
        });
        s.on('end', () => resolve(t));
      });
      return { out, code: (await e.inspect()).ExitCode };
    };
    expect((await exec('id -u')).out.trim()).toBe('1000');
    const write = await exec('touch /file');
    expect(write.code).not.toBe(0);
    expect(write.out).toMatch(/Read-only file system/);
    expect((await exec('grep CapBnd /proc/self/status')).out).not.toContain('a80425fb');
    await c.remove({ force: true });
  });

  it('binds (rw and :ro), named volumes and tmpfs mounts', async () => {
    await writeFile(join(hostDir, 'in.txt'), 'from host\n');
    const c = await run(
      'berth-test-binds',
      [
        'sh',
        '-c',
        'cat /data/in.txt; echo out > /data/out.txt; echo x > /ro/y 2>/dev/null || echo ro-refused; echo v > /vol/v; mount | grep " /scratch " ; echo t > /scratch/t && cat /scratch/t',
      ],
      {
        HostConfig: {
          Binds: [`${hostDir}:/data`, `${hostDir}:/ro:ro`, 'berth-test-vol:/vol'],
          Tmpfs: { '/scratch': 'size=1m' },
        },
      },
    );
    expect((await c.wait()).StatusCode).toBe(0);
    const out = await logsOf(c);
    expect(out).toContain('from host\n');
    expect(out).toContain('ro-refused\n');
    expect(out).toMatch(/tmpfs on \/scratch type tmpfs/);
    expect(out).toContain('t\n');
    expect(await readFile(join(hostDir, 'out.txt'), 'utf8')).toBe('out\n');
    const info = await c.inspect();
    const mounts = info.Mounts.map((m) => [m.Type, m.Destination, m.RW]);
    expect(mounts).toEqual([
      ['bind', '/data', true],
      ['bind', '/ro', false],
      ['volume', '/vol', true],
    ]);
    await c.remove();
    expect(containerLeftovers(daemon)).toEqual({ mounts: [], cgroups: [], runtime: [] });
  });

  it('emits container events with Docker attributes', async () => {
    const since = Math.floor(Date.now() / 1000);
    const c = await run('berth-test-events', ['sh', '-c', 'exit 2'], { Labels: { 'berth.ev': 'yes' } });
    await c.wait();
    await c.remove();
    const stream = await docker.getEvents({
      since,
      until: Math.floor(Date.now() / 1000) + 1,
      filters: { container: ['berth-test-events'] },
    });
    const text = await new Promise<string>((resolve) => {
      let t = '';
      stream.on('data', (d: Buffer) => {
        t += d;
      });
      stream.on('end', () => resolve(t));
    });
    const events = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { Action: string; Actor: { Attributes: Record<string, string> } });
    expect(events.map((e) => e.Action)).toEqual(['create', 'start', 'die', 'destroy']);
    const die = events[2] as { Actor: { Attributes: Record<string, string> } };
    expect(die.Actor.Attributes).toMatchObject({
      exitCode: '2',
      image: 'busybox',
      name: 'berth-test-events',
      'berth.ev': 'yes',
    });
  });

  it('prune removes stopped containers only', async () => {
    const running = await run('berth-test-prune-run', ['sleep', '100']);
    const stopped = await run('berth-test-prune-stop', ['true']);
    await stopped.wait();
    const result = await docker.pruneContainers();
    expect(result.ContainersDeleted).toContain(stopped.id);
    expect(result.ContainersDeleted).not.toContain(running.id);
    await running.remove({ force: true });
  });
});

describe('containers API: streams', () => {
  let daemon: TestDaemon;
  let docker: Docker;
  beforeAll(async () => {
    daemon = await TestDaemon.start();
    docker = daemon.docker;
  });
  afterAll(async () => {
    await daemon?.destroy();
  });

  it('attach to a running container: stdin in, multiplexed stdout/stderr out', async () => {
    const c = await docker.createContainer({
      name: 'berth-test-attach',
      Image: 'busybox',
      Cmd: ['sh', '-c', 'while read line; do echo "out:$line"; echo "err:$line" >&2; done'],
      OpenStdin: true,
      HostConfig: { NetworkMode: 'none' },
    });
    await c.start();
    const stream = (await c.attach({
      stream: true,
      stdin: true,
      stdout: true,
      stderr: true,
      hijack: true,
    })) as unknown as NodeJS.ReadWriteStream;
    const frames: Array<[number, string]> = [];
    let pending = Buffer.alloc(0);
    stream.on('data', (d: Buffer) => {
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 8 && pending.length >= 8 + pending.readUInt32BE(4)) {
        const len = pending.readUInt32BE(4);
        frames.push([pending[0] as number, pending.subarray(8, 8 + len).toString()]);
        pending = pending.subarray(8 + len);
      }
    });
    stream.write('hello\n');
    for (let i = 0; i < 50 && frames.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(frames).toContainEqual([1, 'out:hello\n']);
    expect(frames).toContainEqual([2, 'err:hello\n']);
    await c.remove({ force: true });
  });

  it('logs: since/until select by time, stdout/stderr by stream; wait conditions; restart endpoint', async () => {
    const c = await docker.createContainer({
      name: 'berth-test-logs',
      Image: 'busybox',
      Cmd: ['sh', '-c', 'echo first; sleep 1.2; echo second >&2'],
      HostConfig: { NetworkMode: 'none' },
    });
    const next = c.wait({ condition: 'next-exit' });
    await c.start();
    expect(await next).toMatchObject({ StatusCode: 0 });
    const text = async (opts: Record<string, unknown>) => {
      const buf = (await c.logs({ stdout: true, stderr: true, ...opts })) as unknown as Buffer;
      return buf.toString().replace(/[\x00-\x08]/g, '');
    };
    const info = await c.inspect();
    const mid = Math.floor(Date.parse(info.State.StartedAt) / 1000) + 1;
    expect(await text({ stderr: false })).toContain('first');
    expect(await text({ stderr: false })).not.toContain('second');
    expect(await text({ since: mid + 0.5 })).not.toContain('first');
    expect(await text({ until: mid - 0.5 })).not.toContain('second');
    const restartedAt = Date.now();
    await c.restart();
    expect(Date.parse((await c.inspect()).State.StartedAt)).toBeGreaterThanOrEqual(restartedAt - 1000);
    const removed = c.wait({ condition: 'removed' });
    await c.remove({ force: true });
    expect(await removed).toMatchObject({ StatusCode: 137 });
  });

  it('a TTY container gets its size from resize; stats stream sends a sample per second', async () => {
    const c = await docker.createContainer({
      name: 'berth-test-tty',
      Image: 'busybox',
      Cmd: ['sh', '-c', 'sleep 0.6; stty size; sleep 100'],
      Tty: true,
      HostConfig: { NetworkMode: 'none' },
    });
    await c.start();
    await c.resize({ h: 40, w: 120 });
    await new Promise((r) => setTimeout(r, 900));
    const out = ((await c.logs({ stdout: true })) as unknown as Buffer).toString();
    expect(out).toContain('40 120');
    const stream = (await c.stats({ stream: true })) as unknown as NodeJS.ReadableStream & {
      destroy(): void;
    };
    const samples = await new Promise<Array<{ read: string; preread: string }>>((resolve) => {
      const got: Array<{ read: string; preread: string }> = [];
      let buf = '';
      stream.on('data', (d: Buffer) => {
        buf += d;
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) if (l) got.push(JSON.parse(l));
        if (got.length >= 2) {
          stream.destroy();
          resolve(got);
        }
      });
    });
    expect(samples[1]?.preread).toBe(samples[0]?.read);
    const changes = await c.changes();
    expect(Array.isArray(changes)).toBe(true);
    await c.remove({ force: true });
  });
});
