import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isNetworkDriverError } from '../src/index.js';
import {
  inNetns,
  isRoot,
  linksWithPrefix,
  makeWorld,
  netnsMounts,
  nftTableExists,
  ping,
  serveIn,
  tcpRequest,
  type World,
} from './helpers.js';

describe.skipIf(!isRoot)('bridge networks on the real kernel', () => {
  let w: World;
  beforeEach(() => {
    w = makeWorld();
  });
  afterEach(async () => {
    await w.teardown();
  });

  it('two sandboxes on one bridge reach each other over TCP and ping', async () => {
    const d = await w.open();
    const a = await d.createSandbox('a', { mode: 'bridge' });
    const b = await d.createSandbox('b', { mode: 'bridge' });
    const ea = await d.connect('a', 'bridge');
    const eb = await d.connect('b', 'bridge');
    expect(ea.ip).toBe(`${w.net}.0.2`);
    expect(eb.ip).toBe(`${w.net}.0.3`);
    expect(ea.mac).toBe(`02:42:0a:${Number(w.net.split('.')[1]).toString(16).padStart(2, '0')}:00:02`);

    // Inside: lo and eth0 up, the address, the MAC, the default route via the gateway.
    const links = await inNetns(a.netnsPath!, ['ip', '-o', 'link']);
    expect(links).toMatch(/lo: <LOOPBACK,UP,LOWER_UP>/);
    expect(links).toMatch(new RegExp(`eth0@if\\d+: <BROADCAST,MULTICAST,UP,LOWER_UP>.*link/ether ${ea.mac}`));
    expect(await inNetns(a.netnsPath!, ['ip', '-4', '-o', 'addr', 'show', 'eth0'])).toContain(`${ea.ip}/24`);
    expect(await inNetns(a.netnsPath!, ['ip', 'route'])).toContain(`default via ${w.net}.0.1 dev eth0`);
    // Outside: the veth is a port of the bridge.
    expect(linksWithPrefix(w.prefix)).toEqual(
      expect.arrayContaining([`${w.prefix}0`, ea.hostIfname, eb.hostIfname]),
    );

    expect(await ping(a.netnsPath!, eb.ip)).toBe(true);
    expect(await ping(b.netnsPath!, ea.ip)).toBe(true);
    expect(await ping(a.netnsPath!, ea.gateway)).toBe(true);
    await serveIn(w, b.netnsPath!, 8000, 'b');
    expect(await tcpRequest(a.netnsPath!, eb.ip, 8000)).toBe(`hello from b to ${ea.ip}`);
  });

  it('sandboxes on different networks cannot reach each other; a sandbox on both reaches both', async () => {
    const d = await w.open();
    await d.createNetwork({ name: 'front', subnet: `${w.net}.1.0/24` });
    await d.createNetwork({ name: 'back', subnet: `${w.net}.2.0/24` });
    const a = await d.createSandbox('a', { mode: 'bridge' });
    const b = await d.createSandbox('b', { mode: 'bridge' });
    const both = await d.createSandbox('both', { mode: 'bridge' });
    const ea = await d.connect('a', 'front');
    const eb = await d.connect('b', 'back');
    // Forwarding is on, so only the isolation rules stand between the two bridges.
    expect(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim()).toBe('1');
    await serveIn(w, b.netnsPath!, 8000, 'b');
    await serveIn(w, a.netnsPath!, 8000, 'a');
    expect(await ping(a.netnsPath!, eb.ip)).toBe(false);
    expect(await ping(b.netnsPath!, ea.ip)).toBe(false);
    expect(await tcpRequest(a.netnsPath!, eb.ip, 8000)).toMatch(/^ERR /);
    expect(await tcpRequest(b.netnsPath!, ea.ip, 8000)).toMatch(/^ERR /);

    const f = await d.connect('both', 'front');
    const k = await d.connect('both', 'back');
    expect([f.containerIfname, k.containerIfname]).toEqual(['eth0', 'eth1']);
    expect(await tcpRequest(both.netnsPath!, ea.ip, 8000)).toBe(`hello from a to ${f.ip}`);
    expect(await tcpRequest(both.netnsPath!, eb.ip, 8000)).toBe(`hello from b to ${k.ip}`);
    // The default route follows the first network; disconnecting it moves it to the next.
    expect(await inNetns(both.netnsPath!, ['ip', 'route'])).toContain(`default via ${w.net}.1.1`);
    await d.disconnect('both', 'front');
    expect(await inNetns(both.netnsPath!, ['ip', 'route'])).toContain(`default via ${w.net}.2.1`);
    expect(await inNetns(both.netnsPath!, ['ip', '-o', 'link'])).not.toContain('eth0');
    expect(linksWithPrefix(w.prefix)).not.toContain(f.hostIfname);
  });

  it('refuses to remove a network in use, then removes it and its bridge', async () => {
    const d = await w.open();
    const net = await d.createNetwork({ name: 'busy', subnet: `${w.net}.3.0/24` });
    await d.createSandbox('a', { mode: 'bridge' });
    await d.connect('a', 'busy');
    await expect(d.removeNetwork('busy')).rejects.toSatisfy((e) =>
      isNetworkDriverError(e, 'ERR_NETWORK_IN_USE'),
    );
    await expect(d.removeNetwork('bridge')).rejects.toSatisfy((e) =>
      isNetworkDriverError(e, 'ERR_NETWORK_IN_USE'),
    );
    await expect(d.connect('a', 'busy')).rejects.toSatisfy((e) =>
      isNetworkDriverError(e, 'ERR_ENDPOINT_EXISTS'),
    );
    await expect(d.connect('a', 'nope')).rejects.toSatisfy((e) =>
      isNetworkDriverError(e, 'ERR_NETWORK_NOT_FOUND'),
    );
    await expect(d.createNetwork({ name: 'busy' })).rejects.toSatisfy((e) =>
      isNetworkDriverError(e, 'ERR_NETWORK_EXISTS'),
    );
    await d.disconnect('a', 'busy');
    await d.removeNetwork('busy');
    expect(linksWithPrefix(w.prefix)).not.toContain(net.bridge);
    expect((await d.listNetworks()).map((n) => n.name)).toEqual(['bridge']);
  });

  it('none, host and container modes', async () => {
    const d = await w.open();
    const none = await d.createSandbox('n', { mode: 'none' });
    expect((await inNetns(none.netnsPath!, ['ip', '-o', 'link'])).trim().split('\n')).toHaveLength(1);
    expect(await inNetns(none.netnsPath!, ['ip', '-o', 'link'])).toMatch(/lo: <LOOPBACK,UP,LOWER_UP>/);
    expect(await ping(none.netnsPath!, '127.0.0.1')).toBe(true);
    await expect(d.connect('n', 'bridge')).rejects.toSatisfy((e) =>
      isNetworkDriverError(e, 'ERR_NOT_SUPPORTED'),
    );

    const host = await d.createSandbox('h', { mode: 'host' });
    expect(host.netnsPath).toBeNull();

    const a = await d.createSandbox('a', { mode: 'bridge' });
    const ea = await d.connect('a', 'bridge');
    const c = await d.createSandbox('c', { mode: 'container:a' });
    expect(c.netnsPath).toBe(a.netnsPath);
    expect(await inNetns(c.netnsPath!, ['ip', '-4', '-o', 'addr'])).toContain(ea.ip);
    await expect(d.removeSandbox('a')).rejects.toSatisfy((e) =>
      isNetworkDriverError(e, 'ERR_SANDBOX_IN_USE'),
    );
    await expect(d.createSandbox('x', { mode: 'container:zzz' })).rejects.toSatisfy((e) =>
      isNetworkDriverError(e, 'ERR_SANDBOX_NOT_FOUND'),
    );
    await d.removeSandbox('c');
    expect(existsSync(a.netnsPath!)).toBe(true);
    await d.removeSandbox('a');
    await d.removeSandbox('n');
    await d.removeSandbox('h');
    expect(existsSync(a.netnsPath!)).toBe(false);
    expect(netnsMounts(w.root)).toEqual([]);
  });

  it('leaves nothing behind after removal: no veth, netns file, bridge or nft table', async () => {
    const d = await w.open();
    await d.createNetwork({ name: 'user', subnet: `${w.net}.4.0/24` });
    const sbs = [];
    for (const id of ['a', 'b', 'c']) {
      sbs.push(await d.createSandbox(id, { mode: 'bridge' }));
      await d.connect(id, 'bridge', { ports: ['127.0.0.1::80'] });
      await d.connect(id, 'user');
      await d.writeContainerFiles(id);
    }
    expect(linksWithPrefix(w.prefix)).toHaveLength(2 + 6);
    expect(nftTableExists(w.table)).toBe(true);
    for (const id of ['a', 'b', 'c']) await d.removeSandbox(id);
    await d.removeNetwork('user');
    expect(linksWithPrefix(w.prefix)).toEqual([`${w.prefix}0`]);
    for (const sb of sbs) expect(existsSync(sb.netnsPath!)).toBe(false);
    expect(netnsMounts(w.root)).toEqual([]);
    const ruleset = (await import('node:child_process')).execFileSync(
      'nft',
      ['list', 'table', 'ip', w.table],
      {
        encoding: 'utf8',
      },
    );
    expect(ruleset).not.toContain('dnat');
    await d.destroyAll();
    expect(linksWithPrefix(w.prefix)).toEqual([]);
    expect(nftTableExists(w.table)).toBe(false);
    expect(existsSync(d.runRoot)).toBe(false);
  });

  it('takes over a bridge of its name left by a daemon whose state is gone, and refuses a non-bridge link', async () => {
    // The state of an earlier driver is gone (new root), its bridge is still in the kernel.
    execFileSync('ip', ['link', 'add', `${w.prefix}0`, 'type', 'bridge']);
    execFileSync('ip', ['addr', 'add', '192.0.2.1/24', 'dev', `${w.prefix}0`]);
    const d = await w.open();
    const addrs = execFileSync('ip', ['-4', '-o', 'addr', 'show', 'dev', `${w.prefix}0`], {
      encoding: 'utf8',
    });
    expect(addrs).toContain(`${w.net}.0.1/24`);
    expect(addrs).not.toContain('192.0.2.1');
    const a = await d.createSandbox('a', { mode: 'bridge' });
    const ea = await d.connect('a', 'bridge');
    expect(await ping(a.netnsPath!, ea.gateway)).toBe(true);

    // An interface that is not a bridge keeps its name, its kind and its life.
    execFileSync('ip', ['link', 'add', `${w.prefix}d`, 'type', 'veth', 'peer', 'name', `${w.prefix}e`]);
    const err = await d.createNetwork({ name: 'taken', bridge: `${w.prefix}d` }).catch((e: unknown) => e);
    expect(isNetworkDriverError(err, 'ERR_LINK_EXISTS')).toBe(true);
    expect(execFileSync('ip', ['-d', 'link', 'show', `${w.prefix}d`], { encoding: 'utf8' })).toContain(
      'veth',
    );
    expect((await d.listNetworks()).map((n) => n.name)).not.toContain('taken');
  });
});
