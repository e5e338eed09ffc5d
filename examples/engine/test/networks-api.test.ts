import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interfacePrefixOf } from '../src/networks/interface-prefix.js';
import { TestDaemon } from './harness/berthd.js';

/** The host's links whose names start with `prefix`. */
function linksWith(prefix: string): string[] {
  const links = JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })) as {
    ifname: string;
  }[];
  return links.map((l) => l.ifname).filter((n) => n.startsWith(prefix));
}

const nftRules = (table: string) => execFileSync('nft', ['list', 'table', 'ip', table], { encoding: 'utf8' });

const unique = (what: string) => `berth-test-${what}-${randomBytes(3).toString('hex')}`;

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

describe('berthd networks API (docker network, dockerode)', () => {
  let daemon: TestDaemon;
  let prefix: string;
  let table: string;
  /** A /24 prefix (`10.2xx.N`) in this daemon's 10.2xx block, `k` away from its default bridge's. */
  let near: (k: number) => string;

  beforeAll(async () => {
    daemon = await TestDaemon.start();
    prefix = interfacePrefixOf(daemon.bridge);
    table = `berth_${daemon.bridge}`;
    const [a, b, c] = daemon.bip.split('.');
    near = (k) => `${a}.${b}.${(Number(c) + k) % 256}`;
  });
  afterAll(async () => {
    await daemon?.destroy();
  });

  it('lists the predefined networks bridge, host and none with 64-hex IDs that survive a restart', async () => {
    const ls = async () =>
      (
        await daemon.cli([
          'network',
          'ls',
          '--no-trunc',
          '--format',
          '{{.Name}} {{.Driver}} {{.Scope}} {{.ID}}',
        ])
      ).stdout
        .trim()
        .split('\n')
        .sort();
    const before = await ls();
    expect(before.map((l) => l.split(' ').slice(0, 3).join(' '))).toEqual([
      'bridge bridge local',
      'host host local',
      'none null local',
    ]);
    for (const line of before) expect(line.split(' ')[3]).toMatch(/^[0-9a-f]{64}$/);
    const bridge = await daemon.docker.getNetwork('bridge').inspect();
    expect(bridge.Options?.['com.docker.network.bridge.name']).toBe(daemon.bridge);
    expect(bridge.IPAM?.Config?.[0]?.Gateway).toBe(daemon.bip.split('/')[0]);
    await daemon.stop();
    await daemon.startProcess();
    expect(await ls()).toEqual(before);
  });

  it('creates a bridge network with subnet, gateway, ip-range, labels and options, and inspects it', async () => {
    const name = unique('net');
    const bridgeName = `${prefix}t1`;
    const { stdout } = await daemon.cli([
      'network',
      'create',
      '--subnet',
      `${near(10)}.0/24`,
      '--gateway',
      `${near(10)}.254`,
      '--ip-range',
      `${near(10)}.128/25`,
      '--label',
      'com.example.team=blue',
      '-o',
      `com.docker.network.bridge.name=${bridgeName}`,
      '--internal',
      name,
    ]);
    const id = stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(linksWith(bridgeName)).toEqual([bridgeName]);
    const [inspected] = JSON.parse((await daemon.cli(['network', 'inspect', name])).stdout);
    expect(inspected).toMatchObject({
      Name: name,
      Id: id,
      Scope: 'local',
      Driver: 'bridge',
      EnableIPv6: false,
      Internal: true,
      Attachable: false,
      Containers: {},
      IPAM: {
        Driver: 'default',
        Config: [{ Subnet: `${near(10)}.0/24`, Gateway: `${near(10)}.254`, IPRange: `${near(10)}.128/25` }],
      },
      Labels: { 'com.example.team': 'blue' },
      Options: { 'com.docker.network.bridge.name': bridgeName },
    });
    expect(Date.parse(inspected.Created)).toBeGreaterThan(Date.now() - 60_000);
    // By ID prefix too, through dockerode.
    expect((await daemon.docker.getNetwork(id.slice(0, 12)).inspect()).Name).toBe(name);
    await daemon.cli(['network', 'rm', id.slice(0, 10)]);
    expect(linksWith(bridgeName)).toEqual([]);
    const gone = await failure(daemon.docker.getNetwork(name).inspect());
    expect(gone).toEqual({ status: 404, message: `network ${name} not found` });
  });

  it('keeps user networks, their IDs and bridges across a daemon crash and restart', async () => {
    const name = unique('keep');
    const bridgeName = `${prefix}t2`;
    const id = (
      await daemon.cli(['network', 'create', '-o', `com.docker.network.bridge.name=${bridgeName}`, name])
    ).stdout.trim();
    await daemon.stop('SIGKILL');
    await daemon.startProcess();
    const after = await daemon.docker.getNetwork(name).inspect();
    expect(after.Id).toBe(id);
    expect(linksWith(bridgeName)).toEqual([bridgeName]);
    await daemon.cli(['network', 'rm', name]);
    expect(linksWith(bridgeName)).toEqual([]);
  });

  it('picks a free subnet when none is given', async () => {
    const a = await daemon.docker.createNetwork({ Name: unique('auto') });
    const b = await daemon.docker.createNetwork({ Name: unique('auto') });
    const subnetOf = async (n: typeof a) => (await n.inspect()).IPAM?.Config?.[0]?.Subnet;
    const [sa, sb] = [await subnetOf(a), await subnetOf(b)];
    expect(sa).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
    expect(sb).not.toBe(sa);
    await a.remove();
    await b.remove();
  });

  it('refuses a duplicate name with 409 and the CLI shows Docker message', async () => {
    const name = unique('dup');
    await daemon.cli(['network', 'create', name]);
    const r = await daemon.cli(['network', 'create', name], { allowFail: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Error response from daemon: network with name ${name} already exists`);
    const api = await failure(daemon.docker.createNetwork({ Name: name, CheckDuplicate: true }));
    expect(api).toEqual({ status: 409, message: `network with name ${name} already exists` });
    await daemon.cli(['network', 'rm', name]);
  });

  it('refuses to remove or recreate the predefined networks (403)', async () => {
    for (const name of ['bridge', 'host', 'none']) {
      const r = await daemon.cli(['network', 'rm', name], { allowFail: true });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${name} is a pre-defined network and cannot be removed`);
    }
    const api = await failure(daemon.docker.getNetwork('bridge').remove());
    expect(api).toEqual({ status: 403, message: 'bridge is a pre-defined network and cannot be removed' });
    const create = await failure(daemon.docker.createNetwork({ Name: 'host' }));
    expect(create).toEqual({ status: 403, message: 'operation is not permitted on predefined host network' });
  });

  it('answers 404 for an unknown network on inspect, remove, connect and disconnect', async () => {
    const name = unique('missing');
    const r = await daemon.cli(['network', 'inspect', name], { allowFail: true });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`No such network: ${name}`);
    const rm = await daemon.cli(['network', 'rm', name], { allowFail: true });
    expect(rm.stderr).toContain(`No such network: ${name}`);
    const net = daemon.docker.getNetwork(name);
    expect(await failure(net.inspect())).toEqual({ status: 404, message: `network ${name} not found` });
    expect(await failure(net.connect({ Container: 'x' }))).toEqual({
      status: 404,
      message: `network ${name} not found`,
    });
    expect(await failure(net.disconnect({ Container: 'x' }))).toMatchObject({ status: 404 });
  });

  it('refuses an overlapping subnet and bad input with Docker statuses, leaving no bridge, rule or record', async () => {
    const name = unique('base');
    await daemon.cli(['network', 'create', '--subnet', `${near(20)}.0/24`, name]);
    const links = linksWith(prefix).sort();
    const rules = nftRules(table);
    const records = (await daemon.docker.listNetworks()).length;

    const overlap = await daemon.cli(
      ['network', 'create', '--subnet', `${near(20)}.128/25`, unique('over')],
      {
        allowFail: true,
      },
    );
    expect(overlap.code).toBe(1);
    expect(overlap.stderr).toContain('Pool overlaps with other one on this address space');
    expect(
      await failure(
        daemon.docker.createNetwork({
          Name: unique('over'),
          IPAM: { Config: [{ Subnet: daemon.bip.replace(/\.1\//, '.0/') }] },
        }),
      ),
    ).toEqual({ status: 403, message: 'Pool overlaps with other one on this address space' });

    const cases: [Record<string, unknown>, number, RegExp][] = [
      [
        { Name: unique('bad'), IPAM: { Config: [{ Subnet: '10.1.2.300/24' }] } },
        400,
        /invalid CIDR address: 10.1.2.300\/24/,
      ],
      [{ Name: unique('bad'), Driver: 'weird' }, 404, /plugin "weird" not found/],
      [{ Name: unique('bad'), Driver: 'overlay' }, 400, /overlay/],
      [
        { Name: unique('bad'), IPAM: { Config: [{ Subnet: `${near(21)}.0/24`, Gateway: `${near(22)}.1` }] } },
        400,
        /gateway/,
      ],
      [{ Name: 'bad name!' }, 400, /invalid network name/],
      [{ Name: unique('bad'), EnableIPv6: true }, 400, /IPv6/],
      [{ Driver: 'bridge' }, 400, /Name/],
    ];
    for (const [body, status, message] of cases) {
      const f = await failure(daemon.docker.createNetwork(body as never));
      expect(f.status, JSON.stringify(body)).toBe(status);
      expect(f.message).toMatch(message);
    }
    expect(linksWith(prefix).sort()).toEqual(links);
    expect(nftRules(table)).toBe(rules);
    expect((await daemon.docker.listNetworks()).length).toBe(records);
    await daemon.cli(['network', 'rm', name]);
  });

  it('filters the list by name, id, driver, label, type and dangling', async () => {
    const a = unique('flt');
    const b = unique('flt');
    const idA = (
      await daemon.cli(['network', 'create', '--label', 'tier=front', '--label', 'x', a])
    ).stdout.trim();
    await daemon.cli(['network', 'create', '--label', 'tier=back', b]);
    const names = async (...filters: string[]) =>
      (
        await daemon.cli([
          'network',
          'ls',
          '--format',
          '{{.Name}}',
          ...filters.flatMap((f) => ['--filter', f]),
        ])
      ).stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .sort();
    expect(await names(`name=${a}`)).toEqual([a]);
    expect(await names('name=berth-test-flt')).toEqual([a, b].sort());
    expect(await names(`id=${idA.slice(0, 8)}`)).toEqual([a]);
    expect(await names('driver=host')).toEqual(['host']);
    expect(await names('label=tier=back')).toEqual([b]);
    expect(await names('label=x')).toEqual([a]);
    expect(await names('type=builtin')).toEqual(['bridge', 'host', 'none']);
    expect(await names('type=custom', 'name=berth-test-flt')).toEqual([a, b].sort());
    expect(await names('dangling=true', 'name=berth-test-flt')).toEqual([a, b].sort());
    expect(await names('dangling=false', 'name=berth-test-flt')).toEqual([]);
    const bad = await daemon.cli(['network', 'ls', '--filter', 'type=weird'], { allowFail: true });
    expect(bad.stderr).toContain("invalid filter: 'type'='weird'");
    expect(await failure(daemon.docker.listNetworks({ filters: { nope: ['1'] } }))).toEqual({
      status: 400,
      message: "invalid filter 'nope'",
    });
    await daemon.cli(['network', 'rm', a, b]);
  });

  it('prunes unused custom networks (with a label filter) and reports create/destroy events', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const keep = unique('keep');
    const drop = unique('drop');
    await daemon.cli(['network', 'create', keep]);
    const dropId = (await daemon.cli(['network', 'create', '--label', 'prune=yes', drop])).stdout.trim();
    const pruned = await daemon.docker.pruneNetworks({ filters: { label: ['prune=yes'] } });
    expect(pruned.NetworksDeleted).toEqual([drop]);
    const { stdout } = await daemon.cli(['network', 'prune', '--force']);
    expect(stdout).toContain(keep);
    expect(
      (await daemon.cli(['network', 'ls', '--format', '{{.Name}}'])).stdout.trim().split('\n').sort(),
    ).toEqual(['bridge', 'host', 'none']);
    const events = await daemon.cli([
      'events',
      '--since',
      String(since),
      '--until',
      String(Math.ceil(Date.now() / 1000) + 1),
      '--filter',
      'type=network',
      '--format',
      '{{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}} {{.Actor.Attributes.type}}',
    ]);
    const lines = events.stdout.trim().split('\n');
    expect(lines).toContain(`create ${dropId} ${drop} bridge`);
    expect(lines).toContain(`destroy ${dropId} ${drop} bridge`);
    expect(lines.filter((l) => l.includes(keep)).map((l) => l.split(' ')[0])).toEqual(['create', 'destroy']);
  });
});
