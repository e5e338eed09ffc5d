import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isNetworkDriverError } from '../src/index.js';
import { isRoot, makeWorld, serveIn, tcpRequest, udpRequest, type World } from './helpers.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

describe.skipIf(!isRoot)('published ports (nftables DNAT)', () => {
  let w: World;
  beforeEach(() => {
    w = makeWorld();
  });
  afterEach(async () => {
    await w.teardown();
  });

  it('a published port is reachable from the host over 127.0.0.1, tcp and udp', async () => {
    const d = await w.open();
    const port = await freePort();
    const a = await d.createSandbox('a', { mode: 'bridge' });
    const ep = await d.connect('a', 'bridge', {
      ports: [`127.0.0.1:${port}:80/tcp`, `127.0.0.1:${port}:80/udp`],
    });
    expect(ep.ports).toEqual([
      { proto: 'tcp', hostIp: '127.0.0.1', hostPort: port, containerPort: 80 },
      { proto: 'udp', hostIp: '127.0.0.1', hostPort: port, containerPort: 80 },
    ]);
    await serveIn(w, a.netnsPath!, 80, 'a');
    // The client on the host is masqueraded to the bridge address (route_localnet + DNAT in output).
    expect(await tcpRequest(null, '127.0.0.1', port)).toBe(`hello from a to ${ep.gateway}`);
    expect(await udpRequest(null, '127.0.0.1', port, 'ping')).toBe('udp a ping');
    // Another sandbox on the bridge reaches it through the host too (hairpin through the gateway address).
    const b = await d.createSandbox('b', { mode: 'bridge' });
    await d.connect('b', 'bridge', { ports: [] });
    const viaGateway = await tcpRequest(b.netnsPath!, ep.gateway, port);
    expect(viaGateway).toMatch(/^ERR /); // bound to 127.0.0.1 only
    // Unpublished once disconnected.
    await d.disconnect('a', 'bridge');
    expect(await tcpRequest(null, '127.0.0.1', port)).toMatch(/^ERR /);
  });

  it('publishes ranges and random host ports, on all host addresses, and hairpins', async () => {
    const d = await w.open();
    const a = await d.createSandbox('a', { mode: 'bridge' });
    const base = 20000 + Math.floor(Math.random() * 20000);
    const ep = await d.connect('a', 'bridge', {
      ports: [`${base}-${base + 2}:7000-7002`, '7100', '127.0.0.1::7101/udp'],
    });
    expect(ep.ports.slice(0, 3).map((p) => [p.hostIp, p.hostPort, p.containerPort])).toEqual([
      ['0.0.0.0', base, 7000],
      ['0.0.0.0', base + 1, 7001],
      ['0.0.0.0', base + 2, 7002],
    ]);
    const random = ep.ports[3]!;
    expect(random.hostPort).toBeGreaterThanOrEqual(49153);
    expect(ep.ports[4]!.proto).toBe('udp');
    for (const p of [7000, 7001, 7002, 7100, 7101]) await serveIn(w, a.netnsPath!, p, `a${p}`);
    expect(await tcpRequest(null, '127.0.0.1', base + 1)).toMatch(/^hello from a7001 /);
    expect(await tcpRequest(null, '127.0.0.1', random.hostPort)).toMatch(/^hello from a7100 /);
    expect(await udpRequest(null, '127.0.0.1', ep.ports[4]!.hostPort, 'x')).toBe('udp a7101 x');
    // 0.0.0.0 mappings answer on the host's other addresses too: the bridge gateway, from another sandbox…
    const b = await d.createSandbox('b', { mode: 'bridge' });
    const eb = await d.connect('b', 'bridge');
    expect(await tcpRequest(b.netnsPath!, ep.gateway, base + 2)).toBe(`hello from a7002 to ${eb.ip}`);
    // …and from the container itself to its own published port (hairpin, masqueraded).
    expect(await tcpRequest(a.netnsPath!, ep.gateway, base)).toBe(`hello from a7000 to ${ep.gateway}`);
  });

  it('refuses a host port that is taken, by another mapping or a host listener', async () => {
    const d = await w.open();
    const port = await freePort();
    await d.createSandbox('a', { mode: 'bridge' });
    await d.createSandbox('b', { mode: 'bridge' });
    await d.connect('a', 'bridge', { ports: [`${port}:80`] });
    await expect(d.connect('b', 'bridge', { ports: [`127.0.0.1:${port}:80`] })).rejects.toSatisfy((e) =>
      isNetworkDriverError(e, 'ERR_PORT_IN_USE'),
    );
    // Nothing of the failed connect stays: the address is free again.
    expect((await d.inspectNetwork('bridge')).endpoints).toHaveLength(1);
    await d.connect('b', 'bridge', { ports: [`127.0.0.1:${port}:80/udp`] });

    const holder = createServer();
    const held = await new Promise<number>((r) =>
      holder.listen(0, '127.0.0.1', () => r((holder.address() as { port: number }).port)),
    );
    try {
      await d.createSandbox('c', { mode: 'bridge' });
      await expect(d.connect('c', 'bridge', { ports: [`127.0.0.1:${held}:80`] })).rejects.toSatisfy((e) =>
        isNetworkDriverError(e, 'ERR_PORT_IN_USE'),
      );
    } finally {
      holder.close();
    }
  });
});
