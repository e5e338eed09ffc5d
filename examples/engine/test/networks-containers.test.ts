import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interfacePrefixOf } from '../src/networks/interface-prefix.js';
import { TestDaemon } from './harness/berthd.js';

const run = promisify(execFile);
const unique = (what: string) => `berth-test-${what}-${randomBytes(3).toString('hex')}`;

function linksWith(prefix: string): string[] {
  const links = JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })) as {
    ifname: string;
  }[];
  return links.map((l) => l.ifname).filter((n) => n.startsWith(prefix));
}

/** The IPv4 addresses per interface inside a network namespace, seen from the host. */
async function addressesIn(netns: string): Promise<Record<string, string[]>> {
  const { stdout } = await run('nsenter', [`--net=${netns}`, 'ip', '-j', '-4', 'addr', 'show']);
  const links = JSON.parse(stdout) as { ifname: string; addr_info: { local: string }[] }[];
  return Object.fromEntries(links.map((l) => [l.ifname, l.addr_info.map((a) => a.local)]));
}

function httpGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** A dockerode call that must fail: its status code and Docker's message. */
async function failure(p: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as { statusCode: number; json?: { message: string }; message: string };
    return { status: e.statusCode, message: e.json?.message ?? e.message };
  }
  throw new Error('expected the call to fail');
}

async function eventually<T>(fn: () => Promise<T>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('berthd container networking (docker run, network connect)', () => {
  let daemon: TestDaemon;
  let prefix: string;
  let near: (k: number) => string;
  const net = unique('app');

  const inspect = async (name: string) => JSON.parse((await daemon.cli(['inspect', name])).stdout)[0];

  beforeAll(async () => {
    daemon = await TestDaemon.start();
    prefix = interfacePrefixOf(daemon.bridge);
    const [a, b, c] = daemon.bip.split('.');
    near = (k) => `${a}.${b}.${(Number(c) + k) % 256}`;
    await daemon.cli(['network', 'create', '--subnet', `${near(30)}.0/24`, net]);
  });
  afterAll(async () => {
    await daemon?.destroy();
  });

  it('lets containers on a user network resolve each other by name, alias and short ID', async () => {
    await daemon.cli([
      'run',
      '-d',
      '--network',
      net,
      '--network-alias',
      'db',
      '--ip',
      `${near(30)}.77`,
      '--name',
      'berth-test-a',
      'busybox',
      'sleep',
      '300',
    ]);
    const a = await inspect('berth-test-a');
    const ep = a.NetworkSettings.Networks[net];
    expect(ep).toMatchObject({ IPAddress: `${near(30)}.77`, IPPrefixLen: 24, Gateway: `${near(30)}.1` });
    expect(ep.NetworkID).toMatch(/^[0-9a-f]{64}$/);
    expect(ep.EndpointID).toMatch(/^[0-9a-f]{64}$/);
    expect(ep.MacAddress).toBe(
      `02:42:${near(30)
        .split('.')
        .map((o) => Number(o).toString(16).padStart(2, '0'))
        .join(':')}:4d`,
    );
    expect(ep.Aliases).toContain('db');
    for (const target of ['berth-test-a', 'db', a.Id.slice(0, 12)]) {
      const { stdout } = await daemon.cli(['run', '--rm', '--network', net, 'busybox', 'nslookup', target]);
      expect(stdout, target).toContain(`${near(30)}.77`);
    }
    const ping = await daemon.cli([
      'run',
      '--rm',
      '--network',
      net,
      'busybox',
      'ping',
      '-c1',
      '-W2',
      'berth-test-a',
    ]);
    expect(ping.stdout).toContain('1 packets received');
    const inspected = JSON.parse((await daemon.cli(['network', 'inspect', net])).stdout)[0];
    expect(inspected.Containers[a.Id]).toMatchObject({
      Name: 'berth-test-a',
      IPv4Address: `${near(30)}.77/24`,
      MacAddress: ep.MacAddress,
      EndpointID: ep.EndpointID,
    });
    const rm = await daemon.cli(['network', 'rm', net], { allowFail: true });
    expect(rm.stderr).toContain(
      `error while removing network: network ${net} id ${inspected.Id} has active endpoints`,
    );
  });

  it('refuses a static IP or an alias on the default bridge with Docker messages, leaving nothing', async () => {
    const links = linksWith(prefix).sort();
    const cases: [Record<string, unknown>, string][] = [
      [
        { IPAMConfig: { IPv4Address: `${near(0)}.50` } },
        'user specified IP address is supported on user defined networks only',
      ],
      [{ Aliases: ['x'] }, 'network-scoped alias is supported only for containers in user defined networks'],
    ];
    for (const [endpoint, message] of cases) {
      const c = await daemon.docker.createContainer({
        Image: 'busybox',
        Cmd: ['true'],
        name: unique('static'),
        HostConfig: { NetworkMode: 'bridge' },
        NetworkingConfig: { EndpointsConfig: { bridge: endpoint } },
      });
      const err = await c.start().then(
        () => undefined,
        (e: { statusCode: number; json?: { message: string } }) => e,
      );
      expect(err?.statusCode).toBe(400);
      expect(err?.json?.message).toContain(message);
      await c.remove({ force: true });
    }
    expect(linksWith(prefix).sort()).toEqual(links);
  });

  it('publishes -p 127.0.0.1::80 on a random port that docker port shows and the host reaches', async () => {
    await daemon.cli([
      'run',
      '-d',
      '--name',
      'berth-test-web',
      '-p',
      '127.0.0.1::80',
      'busybox',
      'sh',
      '-c',
      'mkdir -p /www && echo hello from berth > /www/index.html && exec httpd -f -p 80 -h /www',
    ]);
    const { stdout } = await daemon.cli(['port', 'berth-test-web']);
    const m = /^80\/tcp -> 127\.0\.0\.1:(\d+)$/m.exec(stdout);
    expect(m, stdout).not.toBeNull();
    const port = Number(m?.[1]);
    expect(await eventually(() => httpGet(port))).toBe('hello from berth\n');
    const web = await inspect('berth-test-web');
    expect(web.NetworkSettings.Ports).toEqual({
      '80/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }],
    });
    expect(web.NetworkSettings.IPAddress).toBe(web.NetworkSettings.Networks.bridge.IPAddress);
    expect(web.NetworkSettings.Gateway).toBe(daemon.bip.split('/')[0]);
    await daemon.cli(['rm', '-f', 'berth-test-web']);
    await expect(httpGet(port)).rejects.toThrow();
  });

  it('publishes exposed ports with -P, and lists unpublished exposed ports as null', async () => {
    await daemon.cli([
      'run',
      '-d',
      '--name',
      'berth-test-pub',
      '-P',
      '--expose',
      '8080',
      '--expose',
      '5353/udp',
      'busybox',
      'sleep',
      '300',
    ]);
    await daemon.cli([
      'run',
      '-d',
      '--name',
      'berth-test-exp',
      '--expose',
      '7000',
      '-p',
      '127.0.0.1::80',
      'busybox',
      'sleep',
      '300',
    ]);
    const pub = (await inspect('berth-test-pub')).NetworkSettings.Ports;
    expect(Object.keys(pub).sort()).toEqual(['5353/udp', '8080/tcp']);
    for (const key of Object.keys(pub)) {
      expect(pub[key]).toEqual([{ HostIp: '0.0.0.0', HostPort: expect.stringMatching(/^\d+$/) }]);
    }
    const exp = (await inspect('berth-test-exp')).NetworkSettings.Ports;
    expect(exp['7000/tcp']).toBeNull();
    expect(exp['80/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: expect.stringMatching(/^\d+$/) }]);
    await daemon.cli(['rm', '-f', 'berth-test-pub', 'berth-test-exp']);
  });

  it('fails a start whose host port is taken with Docker 500, leaving no veth, rule or endpoint', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const links = linksWith(prefix).sort();
      const rules = execFileSync('nft', ['list', 'table', 'ip', `berth_${daemon.bridge}`], {
        encoding: 'utf8',
      });
      const r = await daemon.cli(['run', '--rm', '-p', `127.0.0.1:${port}:80`, 'busybox', 'true'], {
        allowFail: true,
      });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('driver failed programming external connectivity');
      expect(r.stderr).toContain(`127.0.0.1:${port}`);
      expect(linksWith(prefix).sort()).toEqual(links);
      expect(
        execFileSync('nft', ['list', 'table', 'ip', `berth_${daemon.bridge}`], { encoding: 'utf8' }),
      ).toBe(rules);
      const bridge = JSON.parse((await daemon.cli(['network', 'inspect', 'bridge'])).stdout)[0];
      expect(bridge.Containers).toEqual({});
    } finally {
      server.close();
    }
  });

  it('refuses to connect host-mode or none-mode containers, or to the host network', async () => {
    await daemon.cli(['create', '--name', 'berth-test-none', '--network', 'none', 'busybox', 'true']);
    const none = await daemon.cli(['network', 'connect', net, 'berth-test-none'], { allowFail: true });
    expect(none.stderr).toContain(
      'container cannot be connected to multiple networks with one of the networks in private (none) mode',
    );
    const host = await daemon.cli(['network', 'connect', 'host', 'berth-test-a'], { allowFail: true });
    expect(host.stderr).toContain(
      'container cannot be disconnected from host network or connected to host network',
    );
    const missing = await failure(daemon.docker.getNetwork(net).connect({ Container: 'berth-test-nope' }));
    expect(missing).toEqual({ status: 404, message: 'No such container: berth-test-nope' });
    await daemon.cli(['rm', 'berth-test-none']);
  });

  it('keeps running containers on their networks across a daemon restart', async () => {
    await daemon.stop();
    await daemon.startProcess();
    const a = await inspect('berth-test-a');
    const inspected = JSON.parse((await daemon.cli(['network', 'inspect', net])).stdout)[0];
    expect(inspected.Containers[a.Id]?.IPv4Address).toBe(`${near(30)}.77/24`);
    const { stdout } = await daemon.cli([
      'run',
      '--rm',
      '--network',
      net,
      'busybox',
      'nslookup',
      'berth-test-a',
    ]);
    expect(stdout).toContain(`${near(30)}.77`);
  });

  it('lets a default-bridge container resolve names once connected to a user network (its files follow)', async () => {
    await daemon.cli(['run', '-d', '--name', 'berth-test-late', 'busybox', 'sleep', '300']);
    expect((await daemon.cli(['exec', 'berth-test-late', 'cat', '/etc/resolv.conf'])).stdout).not.toContain(
      '127.0.0.11',
    );
    await daemon.cli(['network', 'connect', net, 'berth-test-late']);
    expect((await daemon.cli(['exec', 'berth-test-late', 'cat', '/etc/resolv.conf'])).stdout).toContain(
      'nameserver 127.0.0.11',
    );
    const ip = (await inspect('berth-test-late')).NetworkSettings.Networks[net].IPAddress;
    expect((await daemon.cli(['exec', 'berth-test-late', 'cat', '/etc/hosts'])).stdout).toContain(`${ip}\t`);
    const found = await daemon.cli(['exec', 'berth-test-late', 'nslookup', 'berth-test-a']);
    expect(found.stdout).toContain(`${near(30)}.77`);
    await daemon.cli(['rm', '-f', 'berth-test-late']);
  });

  it('gives a running container a new interface on docker network connect, and takes it away on disconnect', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const other = unique('other');
    await daemon.cli(['network', 'create', '--subnet', `${near(31)}.0/24`, other]);
    await daemon.cli([
      'network',
      'connect',
      '--alias',
      'cache',
      '--ip',
      `${near(31)}.9`,
      other,
      'berth-test-a',
    ]);
    const a = await inspect('berth-test-a');
    const before = await addressesIn(a.NetworkSettings.SandboxKey);
    expect(before).toMatchObject({ eth0: [`${near(30)}.77`], eth1: [`${near(31)}.9`] });
    expect(a.NetworkSettings.Networks[other]).toMatchObject({ IPAddress: `${near(31)}.9` });
    const dup = await daemon.cli(['network', 'connect', other, 'berth-test-a'], { allowFail: true });
    expect(dup.stderr).toContain(`endpoint with name berth-test-a already exists in network ${other}`);
    const found = await daemon.cli(['run', '--rm', '--network', other, 'busybox', 'nslookup', 'cache']);
    expect(found.stdout).toContain(`${near(31)}.9`);

    await daemon.cli(['network', 'disconnect', other, 'berth-test-a']);
    expect(Object.keys(await addressesIn(a.NetworkSettings.SandboxKey)).sort()).toEqual(['eth0', 'lo']);
    expect((await inspect('berth-test-a')).NetworkSettings.Networks[other]).toBeUndefined();
    const again = await daemon.cli(['network', 'disconnect', other, 'berth-test-a'], { allowFail: true });
    expect(again.stderr).toContain(`is not connected to network ${other}`);
    const events = await daemon.cli([
      'events',
      '--since',
      String(since),
      '--until',
      String(Math.ceil(Date.now() / 1000)),
      '--filter',
      `network=${other}`,
      '--format',
      '{{.Action}} {{.Actor.Attributes.container}}',
    ]);
    const lines = events.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^create /);
    expect(lines.filter((l) => l.endsWith(a.Id))).toEqual([`connect ${a.Id}`, `disconnect ${a.Id}`]);
    await daemon.cli(['network', 'rm', other]);
  });

  it('connects a stopped container at its next start', async () => {
    await daemon.cli(['create', '--name', 'berth-test-later', 'busybox', 'sleep', '300']);
    await daemon.cli(['network', 'connect', net, 'berth-test-later']);
    const created = await inspect('berth-test-later');
    expect(Object.keys(created.NetworkSettings.Networks).sort()).toEqual(['bridge', net].sort());
    expect(created.NetworkSettings.Networks[net].IPAddress).toBe('');
    await daemon.cli(['start', 'berth-test-later']);
    const running = await inspect('berth-test-later');
    const addrs = await addressesIn(running.NetworkSettings.SandboxKey);
    expect(addrs.eth0).toEqual([running.NetworkSettings.Networks.bridge.IPAddress]);
    expect(addrs.eth1).toEqual([running.NetworkSettings.Networks[net].IPAddress]);
    await daemon.cli(['rm', '-f', 'berth-test-later']);
  });

  it('gives --network none only a loopback interface', async () => {
    const { stdout } = await daemon.cli(['run', '--rm', '--network', 'none', 'busybox', 'ip', '-o', 'link']);
    const names = stdout
      .trim()
      .split('\n')
      .map((l) => l.split(':')[1]?.trim());
    expect(names).toEqual(['lo']);
  });

  it('shows --network host the host interfaces, and --network container: the other container ones', async () => {
    const host = await daemon.cli(['run', '--rm', '--network', 'host', 'busybox', 'ip', '-o', 'link']);
    expect(host.stdout).toContain(`${daemon.bridge}:`);
    const joined = await daemon.cli([
      'run',
      '--rm',
      '--network',
      'container:berth-test-a',
      'busybox',
      'ip',
      '-o',
      '-4',
      'addr',
    ]);
    expect(joined.stdout).toContain(`${near(30)}.77/24`);
  });

  it('keeps a container: namespace until the last container in it stops, then removes it, across a daemon restart', async () => {
    await daemon.cli(['run', '-d', '--name', 'berth-test-owner', 'busybox', 'sleep', '300']);
    await daemon.cli([
      'run',
      '-d',
      '--name',
      'berth-test-joiner',
      '--network',
      'container:berth-test-owner',
      'busybox',
      'sleep',
      '300',
    ]);
    const key = (await inspect('berth-test-owner')).NetworkSettings.SandboxKey;
    // Who joined whom survives a daemon restart.
    await daemon.stop();
    await daemon.startProcess();
    await daemon.cli(['kill', 'berth-test-owner']);
    expect(Object.keys(await addressesIn(key))).toEqual(['lo']); // its endpoints went with it
    await daemon.cli(['kill', 'berth-test-joiner']);
    await expect(addressesIn(key)).rejects.toThrow(); // the namespace file is gone
    await daemon.cli(['start', 'berth-test-owner']);
    const again = await inspect('berth-test-owner');
    expect(again.NetworkSettings.Networks.bridge.IPAddress).not.toBe('');
    await daemon.cli(['rm', '-f', 'berth-test-owner', 'berth-test-joiner']);
  });

  it('writes --add-host entries to /etc/hosts, host-gateway included', async () => {
    const { stdout } = await daemon.cli([
      'run',
      '--rm',
      '--add-host',
      'berth-extra:192.0.2.7',
      '--add-host',
      'gw:host-gateway',
      'busybox',
      'cat',
      '/etc/hosts',
    ]);
    expect(stdout).toMatch(/^192\.0\.2\.7\s+berth-extra$/m);
    expect(stdout).toMatch(new RegExp(`^${daemon.bip.split('/')[0]?.replace(/\./g, '\\.')}\\s+gw$`, 'm'));
  });

  it('removes every veth and reports a disconnect event when a container goes', async () => {
    const since = Math.floor(Date.now() / 1000) - 120;
    const a = await inspect('berth-test-a');
    await daemon.cli(['rm', '-f', 'berth-test-a']);
    expect(linksWith(`${prefix}v`)).toEqual([]);
    const { stdout } = await daemon.cli([
      'events',
      '--since',
      String(since),
      '--until',
      String(Math.ceil(Date.now() / 1000)),
      '--filter',
      'type=network',
      '--format',
      '{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.container}}',
    ]);
    const lines = stdout.trim().split('\n');
    // The connect happened before the daemon restart (the event history is per process).
    expect(lines).toContain(`disconnect ${net} ${a.Id}`);
    await daemon.cli(['network', 'rm', net]);
  });
});
