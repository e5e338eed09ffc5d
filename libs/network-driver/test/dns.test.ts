import { createSocket } from 'node:dgram';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import packet from 'dns-packet';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inNetns, isRoot, makeWorld, nodeIn, serveIn, tcpRequest, type World } from './helpers.js';

const resolveScript = `
  const { Resolver } = require('node:dns').promises;
  const r = new Resolver({ timeout: 3000, tries: 1 });
  r.setServers([process.argv[1]]);
  r.resolve4(process.argv[2]).then((a) => console.log(a.sort().join(',')), (e) => console.log('ERR ' + e.code));
`;

/** A fake upstream resolver on 127.0.0.1 that answers every A query with 198.51.100.99 (never contacted). */
async function fakeUpstream() {
  const s = createSocket('udp4');
  const seen: string[] = [];
  s.on('message', (msg, r) => {
    const q = packet.decode(msg);
    seen.push(q.questions![0]!.name);
    const reply = packet.encode({
      id: q.id,
      type: 'response',
      flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE,
      questions: q.questions!,
      answers: [{ type: 'A', name: q.questions![0]!.name, ttl: 60, class: 'IN', data: '198.51.100.99' }],
    });
    s.send(reply, r.port, r.address);
  });
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return { port: s.address().port, seen, close: () => s.close() };
}

describe.skipIf(!isRoot)('name resolution', () => {
  let w: World;
  let up: Awaited<ReturnType<typeof fakeUpstream>>;
  beforeEach(async () => {
    w = makeWorld();
    up = await fakeUpstream();
  });
  afterEach(async () => {
    up.close();
    await w.teardown();
  });

  it('resolves container names and aliases across sandboxes on a user-defined network, forwards the rest', async () => {
    const d = await w.open({ dns: { port: 53, upstreams: [`127.0.0.1:${up.port}`] } });
    const net = await d.createNetwork({ name: 'app', subnet: `${w.net}.12.0/24` });
    await d.createNetwork({ name: 'other', subnet: `${w.net}.13.0/24` });
    const web = await d.createSandbox('0123456789abcdef', { mode: 'bridge', name: 'web' });
    const db = await d.createSandbox('fedcba9876543210', { mode: 'bridge', name: 'db' });
    await d.createSandbox('x', { mode: 'bridge', name: 'stranger' });
    const eWeb = await d.connect(web.id, 'app', { aliases: ['frontend'] });
    const eDb = await d.connect(db.id, 'app', { aliases: ['database', 'pg'] });
    await d.connect('x', 'other');
    expect(d.dnsAddresses()).toEqual({ app: `${net.gateway}:53`, other: `${w.net}.13.1:53` });

    const ask = (netns: string, name: string) =>
      nodeIn(netns, resolveScript, net.gateway, name).then((s) => s.trim());
    expect(await ask(web.netnsPath!, 'db')).toBe(eDb.ip);
    expect(await ask(web.netnsPath!, 'pg')).toBe(eDb.ip);
    expect(await ask(web.netnsPath!, 'DATABASE')).toBe(eDb.ip);
    expect(await ask(db.netnsPath!, 'web')).toBe(eWeb.ip);
    expect(await ask(db.netnsPath!, 'frontend')).toBe(eWeb.ip);
    expect(await ask(db.netnsPath!, '0123456789ab')).toBe(eWeb.ip); // short id
    // Names on another network are not answered here: they go upstream like any other name.
    expect(up.seen).toEqual([]);
    expect(await ask(web.netnsPath!, 'stranger')).toBe('198.51.100.99');
    expect(await ask(web.netnsPath!, 'example.test')).toBe('198.51.100.99');
    expect(up.seen).toEqual(['stranger', 'example.test']);

    // The generated resolv.conf names 127.0.0.11, as Docker's does, and inside the namespace
    // that address reaches the network's resolver (busybox nslookup; c-ares also checks that
    // the reply comes from the address it asked).
    const files = await d.writeContainerFiles(web.id);
    expect(readFileSync(files.resolvConf, 'utf8')).toContain('nameserver 127.0.0.11\n');
    expect(readFileSync(files.resolvConf, 'utf8')).not.toContain(net.gateway);
    const out = await inNetns(web.netnsPath!, ['busybox', 'nslookup', 'db', '127.0.0.11']);
    expect(out).toContain(eDb.ip);
    expect((await nodeIn(db.netnsPath!, resolveScript, '127.0.0.11', 'frontend')).trim()).toBe(eWeb.ip);

    // After a disconnect the name is gone (forwarded, so the fake upstream answers).
    await d.disconnect(db.id, 'app');
    expect(await ask(web.netnsPath!, 'db')).toBe('198.51.100.99');
  });

  it('redirects 127.0.0.11 to the first DNS network of the sandbox, then the next, then nowhere', async () => {
    const d = await w.open({ dns: { port: 53, upstreams: [`127.0.0.1:${up.port}`] } });
    await d.createNetwork({ name: 'one', subnet: `${w.net}.15.0/24` });
    await d.createNetwork({ name: 'two', subnet: `${w.net}.16.0/24` });
    const a = await d.createSandbox('a', { mode: 'bridge', name: 'alpha' });
    const b = await d.createSandbox('b', { mode: 'bridge', name: 'beta' });
    await d.connect('a', 'bridge'); // the default network has no embedded DNS
    const a1 = await d.connect('a', 'one', { aliases: ['on-one'] });
    const a2 = await d.connect('a', 'two', { aliases: ['on-two'] });
    await d.connect('b', 'one');
    await d.connect('b', 'two');
    const ask = (name: string) =>
      nodeIn(b.netnsPath!, resolveScript, '127.0.0.11', name).then((x) => x.trim());
    expect(await ask('on-one')).toBe(a1.ip);
    expect(await ask('on-two')).toBe('198.51.100.99'); // network two's name: not answered by one's server
    await d.disconnect('b', 'one');
    expect(await ask('on-two')).toBe(a2.ip);
    expect(await ask('alpha')).toBe(a2.ip);
    expect(readFileSync((await d.writeContainerFiles('b')).resolvConf, 'utf8')).toContain(
      'nameserver 127.0.0.11\n',
    );
    await d.disconnect('b', 'two');
    expect(await inNetns(b.netnsPath!, ['nft', 'list', 'tables'])).not.toContain(w.table);
    expect(await inNetns(b.netnsPath!, ['cat', '/proc/sys/net/ipv4/conf/all/route_localnet'])).toBe('0\n');
    expect(await ask('alpha')).toBe('ERR ECONNREFUSED');
    // A namespace on the default network only has no redirect and keeps the host's nameservers.
    await d.createSandbox('c', { mode: 'bridge' });
    await d.connect('c', 'bridge');
    expect(await inNetns(a.netnsPath!, ['nft', 'list', 'tables'])).toContain(`table ip ${w.table}`);
    expect(await inNetns(b.netnsPath!, ['nft', 'list', 'tables'])).toBe('');
  });

  it('keeps the 127.0.0.0/8 of a redirected namespace unreachable from its neighbours', async () => {
    const d = await w.open();
    await d.createNetwork({ name: 'app', subnet: `${w.net}.17.0/24` });
    const a = await d.createSandbox('a', { mode: 'bridge' });
    const b = await d.createSandbox('b', { mode: 'bridge' });
    const ea = await d.connect('a', 'app');
    await d.connect('b', 'app');
    expect(await inNetns(a.netnsPath!, ['cat', '/proc/sys/net/ipv4/conf/all/route_localnet'])).toBe('1\n');
    await serveIn(w, a.netnsPath!, 7000, 'a');
    // b sends to 127.0.0.1 via a's address as the next hop.
    await inNetns(b.netnsPath!, ['ip', 'route', 'add', '127.0.0.99/32', 'via', ea.ip]);
    await inNetns(b.netnsPath!, ['sysctl', '-qw', 'net.ipv4.conf.all.route_localnet=1']);
    expect(await tcpRequest(b.netnsPath!, '127.0.0.99', 7000)).toMatch(/^ERR /);
    expect(await tcpRequest(a.netnsPath!, '127.0.0.1', 7000)).toBe('hello from a to 127.0.0.1');
  });

  it('answers SERVFAIL when no upstream answers', async () => {
    const d = await w.open({ dns: { port: 53, upstreams: [] } });
    const net = await d.createNetwork({ name: 'app', subnet: `${w.net}.14.0/24` });
    const a = await d.createSandbox('a', { mode: 'bridge' });
    await d.connect('a', 'app');
    expect((await nodeIn(a.netnsPath!, resolveScript, net.gateway, 'nowhere.test')).trim()).toBe(
      'ERR ESERVFAIL',
    );
  });

  it('writes hosts, hostname and resolv.conf (host nameservers minus loopback ones on the default network), and rewrites them in place', async () => {
    const hostResolv = join(w.root, 'host-resolv.conf');
    writeFileSync(
      hostResolv,
      'nameserver 127.0.0.53\nnameserver 10.1.2.3\nnameserver ::1\nsearch corp.test\noptions edns0\n',
    );
    const d = await w.open({ hostResolvConf: hostResolv });
    await d.createSandbox('0123456789abcdef', { mode: 'bridge', name: 'web', hostname: 'webhost' });
    const ep = await d.connect('0123456789abcdef', 'bridge');
    const f = await d.writeContainerFiles('0123456789abcdef', { extraHosts: ['db.local:10.9.9.9'] });
    expect(readFileSync(f.hostname, 'utf8')).toBe('webhost\n');
    const hosts = readFileSync(f.hosts, 'utf8');
    expect(hosts).toContain('127.0.0.1\tlocalhost\n');
    expect(hosts).toContain(`${ep.ip}\twebhost web\n`);
    expect(hosts).toContain('10.9.9.9\tdb.local\n');
    expect(readFileSync(f.resolvConf, 'utf8')).toBe(
      '# Generated by @berth/network-driver.\nnameserver 10.1.2.3\nsearch corp.test\noptions edns0\n',
    );
    // Connected to a user network while it runs: the same files (the container's bind mounts pin
    // their inodes) now name the embedded DNS and the new address.
    const inode = statSync(f.resolvConf).ino;
    await d.createNetwork({ name: 'app', subnet: `${w.net}.14.0/24` });
    const appEp = await d.connect('0123456789abcdef', 'app');
    const again = await d.writeContainerFiles('0123456789abcdef', { extraHosts: ['db.local:10.9.9.9'] });
    expect(again.resolvConf).toBe(f.resolvConf);
    expect(statSync(f.resolvConf).ino).toBe(inode);
    expect(readFileSync(f.resolvConf, 'utf8')).toContain('nameserver 127.0.0.11\n');
    expect(readFileSync(f.hosts, 'utf8')).toContain(`${appEp.ip}\twebhost web\n`);
    // Only loopback nameservers on the host: Docker's public defaults.
    writeFileSync(hostResolv, 'nameserver 127.0.0.53\n');
    await d.createSandbox('n', { mode: 'none' });
    expect(readFileSync((await d.writeContainerFiles('n')).resolvConf, 'utf8')).toContain(
      'nameserver 8.8.8.8\nnameserver 8.8.4.4\n',
    );
  });
});
