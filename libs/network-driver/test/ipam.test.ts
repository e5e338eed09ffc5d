import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isNetworkDriverError, type NetworkDriver } from '../src/index.js';
import { isRoot, makeWorld, ping, type World } from './helpers.js';

describe.skipIf(!isRoot)('IPAM persisted under the root', () => {
  let w: World;
  beforeEach(() => {
    w = makeWorld();
  });
  afterEach(async () => {
    await w.teardown();
  });

  it('survives a restart without double allocation, and rolls on after a release', async () => {
    const d1 = await w.open();
    await d1.createNetwork({ name: 'n', subnet: `${w.net}.5.0/24`, ipRange: `${w.net}.5.64/28` });
    for (const id of ['a', 'b', 'c']) await d1.createSandbox(id, { mode: 'bridge' });
    const a = await d1.connect('a', 'n');
    const b = await d1.connect('b', 'n');
    expect([a.ip, b.ip]).toEqual([`${w.net}.5.64`, `${w.net}.5.65`]);
    await d1.close();

    const d2 = await w.open(); // a "restarted daemon" on the same root
    expect((await d2.inspectNetwork('n')).endpoints.map((e) => e.ip).sort()).toEqual([a.ip, b.ip]);
    const c = await d2.connect('c', 'n');
    expect(c.ip).toBe(`${w.net}.5.66`);
    await d2.disconnect('a', 'n');
    await d2.createSandbox('d', { mode: 'bridge' });
    expect((await d2.connect('d', 'n')).ip).toBe(`${w.net}.5.67`); // not the just-released .64
    // The endpoints made before the restart still work.
    const sbs = await d2.inspectNetwork('n');
    expect(sbs.endpoints).toHaveLength(3);
    expect(await ping(`${d2.netnsDir}/b`, c.ip)).toBe(true);
  });

  it('gives distinct addresses to parallel connects from two driver instances', async () => {
    const d1 = await w.open();
    const d2 = await w.open({ dns: false });
    await d1.createNetwork({ name: 'n', subnet: `${w.net}.6.0/24` });
    const ids = Array.from({ length: 16 }, (_, i) => `s${i}`);
    await Promise.all(ids.map((id, i) => (i % 2 ? d1 : d2).createSandbox(id, { mode: 'bridge' })));
    const eps = await Promise.all(ids.map((id, i) => (i % 2 ? d2 : d1).connect(id, 'n')));
    const ips = eps.map((e) => e.ip);
    expect(new Set(ips).size).toBe(16);
    const info = await d1.inspectNetwork('n');
    expect(info.endpoints.map((e) => e.ip).sort()).toEqual([...ips].sort());
    expect(new Set(eps.map((e) => e.mac)).size).toBe(16);
  });

  it('static addresses, exhaustion, and refusal of overlapping subnets', async () => {
    const d = await w.open();
    await d.createNetwork({ name: 'small', subnet: `${w.net}.7.0/29`, gateway: `${w.net}.7.6` });
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) await d.createSandbox(id, { mode: 'bridge' });
    const fails = (p: Promise<unknown>, code: string) =>
      expect(p).rejects.toSatisfy((e) => isNetworkDriverError(e, code as never));
    expect((await d.connect('a', 'small', { ip: `${w.net}.7.3` })).ip).toBe(`${w.net}.7.3`);
    await fails(d.connect('b', 'small', { ip: `${w.net}.7.3` }), 'ERR_ADDRESS_IN_USE');
    await fails(d.connect('b', 'small', { ip: `${w.net}.7.6` }), 'ERR_ADDRESS_IN_USE');
    await fails(d.connect('b', 'small', { ip: `${w.net}.8.1` }), 'ERR_ADDRESS_OUT_OF_RANGE');
    // .1 .2 .4 .5 are left (.0 network, .7 broadcast, .6 gateway, .3 taken).
    const got = [];
    for (const id of ['b', 'c', 'd', 'e']) got.push((await d.connect(id, 'small')).ip);
    expect(got.sort()).toEqual([`${w.net}.7.1`, `${w.net}.7.2`, `${w.net}.7.4`, `${w.net}.7.5`]);
    await fails(d.connect('f', 'small'), 'ERR_POOL_EXHAUSTED');

    await fails(d.createNetwork({ name: 'o1', subnet: `${w.net}.7.0/24` }), 'ERR_SUBNET_OVERLAP');
    await fails(d.createNetwork({ name: 'o2', subnet: `${w.net}.0.0/16` }), 'ERR_SUBNET_OVERLAP');
    await fails(d.createNetwork({ name: 'o3', subnet: `${w.net}.0.128/25` }), 'ERR_SUBNET_OVERLAP'); // the default network's
    await fails(d.createNetwork({ name: 'bad', subnet: `${w.net}.9.1/24` }), 'ERR_INVALID_ARGUMENT');
    await fails(
      d.createNetwork({ name: 'bad', subnet: `${w.net}.9.0/24`, ipRange: `${w.net}.10.0/28` }),
      'ERR_ADDRESS_OUT_OF_RANGE',
    );
    // Without a subnet, one comes from the pool, skipping what is taken.
    const auto1 = await d.createNetwork({ name: 'auto1' });
    const auto2 = await d.createNetwork({ name: 'auto2' });
    expect([auto1.subnet, auto2.subnet]).toEqual([`${w.net}.128.0/24`, `${w.net}.129.0/24`]);
    expect(auto1.gateway).toBe(`${w.net}.128.1`);
  });

  it('rolls back and cleans up what a crashed process left behind', async () => {
    const d1: NetworkDriver = await w.open();
    await d1.createSandbox('a', { mode: 'bridge' });
    const ep = await d1.connect('a', 'bridge');
    await d1.close();
    const { readFileSync, writeFileSync, mkdirSync } = await import('node:fs');
    const { execFileSync } = await import('node:child_process');
    const { createNetns } = await import('@berth/libcontainer');
    // A dead process's half-made endpoint and network, an unrecorded veth and an unrecorded netns file.
    const file = `${w.root}/network-state.json`;
    const s = JSON.parse(readFileSync(file, 'utf8'));
    const dead = 2 ** 22 + 12345;
    s.sandboxes.a.endpoints.ghost = {
      ...s.sandboxes.a.endpoints.bridge,
      network: 'ghost',
      hostIfname: `${w.prefix}vghost`,
      phase: 'creating',
      pid: dead,
    };
    s.networks.half = {
      ...s.networks.bridge,
      name: 'half',
      bridge: `${w.prefix}bhalf`,
      subnet: `${w.net}.11.0/24`,
      isDefault: false,
      phase: 'creating',
      pid: dead,
    };
    writeFileSync(file, JSON.stringify(s));
    execFileSync('ip', ['link', 'add', `${w.prefix}bhalf`, 'type', 'bridge']);
    execFileSync('ip', [
      'link',
      'add',
      `${w.prefix}vorph`,
      'type',
      'veth',
      'peer',
      'name',
      `${w.prefix}vorq`,
    ]);
    mkdirSync(d1.netnsDir, { recursive: true });
    createNetns(`${d1.netnsDir}/orphan`);

    const d2 = await w.open();
    const links = JSON.parse(execFileSync('ip', ['-j', 'link'], { encoding: 'utf8' })).map(
      (l: { ifname: string }) => l.ifname,
    );
    expect(links.filter((n: string) => n.startsWith(w.prefix)).sort()).toEqual(
      [`${w.prefix}0`, ep.hostIfname].sort(),
    );
    expect((await d2.listNetworks()).map((n) => n.name)).toEqual(['bridge']);
    expect((await d2.inspectNetwork('bridge')).endpoints).toHaveLength(1);
    const { existsSync } = await import('node:fs');
    expect(existsSync(`${d1.netnsDir}/orphan`)).toBe(false);
    expect(existsSync(`${d1.netnsDir}/a`)).toBe(true);
  });
});
