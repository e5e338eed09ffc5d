import { describe, expect, it } from 'vitest';
import { containerResolvConf, isNetworkDriverError, parsePortSpec, parseResolvConf } from '../src/index.js';
import { allocateAddress, macFor, planNetwork } from '../src/ipam.js';
import { parseCidr } from '../src/ipv4.js';
import { renderDnsRedirect, renderRuleset } from '../src/nft.js';
import type { NetworkRecord, State } from '../src/state.js';

const net = (over: Partial<NetworkRecord>): NetworkRecord => ({
  id: 'x',
  name: 'n',
  bridge: 'berthb1',
  subnet: '10.0.0.0/24',
  gateway: '10.0.0.1',
  ipRange: '10.0.0.0/24',
  internal: false,
  isDefault: false,
  dns: true,
  phase: 'ready',
  pid: 1,
  lastAllocated: null,
  created: '',
  ...over,
});

describe('port specs', () => {
  it('parses Docker -p syntax', () => {
    expect(parsePortSpec('127.0.0.1:8080:80/tcp')).toEqual([
      { proto: 'tcp', hostIp: '127.0.0.1', hostPorts: [8080, 8080], containerPort: 80 },
    ]);
    expect(parsePortSpec('53/udp')).toEqual([
      { proto: 'udp', hostIp: '0.0.0.0', hostPorts: null, containerPort: 53 },
    ]);
    expect(parsePortSpec('127.0.0.1::80')[0]!.hostPorts).toBeNull();
    expect(parsePortSpec('8000-8001:9000-9001').map((r) => [r.hostPorts, r.containerPort])).toEqual([
      [[8000, 8000], 9000],
      [[8001, 8001], 9001],
    ]);
    expect(parsePortSpec('8000-8010:80')[0]!.hostPorts).toEqual([8000, 8010]);
    for (const bad of ['80/sctp', '70000', '1-2:3-5', 'x:1:2', '::1:80:80', '90-80']) {
      expect(() => parsePortSpec(bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    }
  });
});

describe('IPAM', () => {
  it('plans subnets from pools and refuses overlaps', () => {
    const s: State = {
      version: 1,
      networks: { a: net({ name: 'a', subnet: '10.1.0.0/24' }) },
      sandboxes: {},
    };
    const pools = [{ base: '10.1.0.0/22', size: 24 }];
    expect(planNetwork({ name: 'b' }, s, pools, [parseCidr('10.1.1.0/25')])).toEqual({
      subnet: '10.1.2.0/24',
      gateway: '10.1.2.1',
      ipRange: '10.1.2.0/24',
    });
    expect(() => planNetwork({ name: 'c', subnet: '10.0.0.0/8' }, s, pools, [])).toThrow(
      expect.objectContaining({ code: 'ERR_SUBNET_OVERLAP' }),
    );
    const full = [{ base: '10.1.0.0/24', size: 24 }];
    expect(() => planNetwork({ name: 'c' }, s, full, [])).toThrow(
      expect.objectContaining({ code: 'ERR_POOL_EXHAUSTED' }),
    );
  });

  it('allocates rolling over the ip-range, skipping gateway and used addresses', () => {
    const n = net({ subnet: '10.0.0.0/29', gateway: '10.0.0.1', ipRange: '10.0.0.0/29' });
    const s: State = { version: 1, networks: { n }, sandboxes: {} };
    const got: string[] = [];
    for (let i = 0; i < 5; i++) {
      const ip = allocateAddress(s, n);
      got.push(ip);
      s.sandboxes[`s${i}`] = {
        id: `s${i}`,
        name: '',
        hostname: '',
        mode: 'bridge',
        netnsPath: null,
        ownsNetns: true,
        sharedWith: null,
        gatewayNetwork: null,
        endpoints: {
          n: {
            network: 'n',
            ip,
            mac: macFor(ip),
            hostIfname: '',
            containerIfname: 'eth0',
            aliases: [],
            ports: [],
            phase: 'ready',
            pid: 1,
          },
        },
      };
    }
    expect(got).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
    expect(() => allocateAddress(s, n)).toThrow(expect.objectContaining({ code: 'ERR_POOL_EXHAUSTED' }));
    delete s.sandboxes.s1;
    expect(allocateAddress(s, n)).toBe('10.0.0.3');
    expect(macFor('172.30.0.2')).toBe('02:42:ac:1e:00:02');
  });
});

describe('nft rule set', () => {
  it('is one atomic replacement of the table', () => {
    const s: State = {
      version: 1,
      networks: {
        a: net({ name: 'a', bridge: 'berthba' }),
        b: net({ name: 'b', bridge: 'berthbb', subnet: '10.0.1.0/24', internal: true }),
      },
      sandboxes: {},
    };
    const text = renderRuleset(s, 'berth');
    expect(text.startsWith('table ip berth {}\ndelete table ip berth\ntable ip berth {\n')).toBe(true);
    expect(text).toContain('ip saddr 10.0.0.0/24 oifname != "berthba" masquerade');
    expect(text).not.toContain('ip saddr 10.0.1.0/24 oifname');
    expect(text).toContain('iifname "berthbb" oifname != "berthbb" drop');
    expect(renderRuleset({ version: 1, networks: {}, sandboxes: {} }, 'berth')).toBe(
      'table ip berth {}\ndelete table ip berth\n',
    );
  });

  it('redirects 127.0.0.11:53 in a container namespace to the embedded DNS', () => {
    const text = renderDnsRedirect('berth', { address: '10.0.0.1', port: 5353 });
    expect(text.startsWith('table ip berth {}\nflush table ip berth\ntable ip berth {\n')).toBe(true);
    expect(text).toContain('ip daddr 127.0.0.11 udp dport 53 dnat to 10.0.0.1:5353');
    expect(text).toContain('ip saddr 127.0.0.0/8 ip daddr 10.0.0.1 udp dport 5353 masquerade');
    expect(text).toContain('iifname != "lo" ip daddr 127.0.0.0/8 ct direction original drop');
    expect(renderDnsRedirect('berth', null)).toBe('table ip berth {}\ndelete table ip berth\n');
  });
});

describe('resolv.conf', () => {
  it('drops loopback and IPv6 nameservers, keeps search and options', () => {
    const host = parseResolvConf(
      '# x\nnameserver 127.0.0.11\nnameserver 10.0.0.2 # y\nnameserver fe80::1\nsearch a b\noptions ndots:2\n',
    );
    expect(containerResolvConf(host)).toEqual({
      nameservers: ['10.0.0.2'],
      search: ['a', 'b'],
      options: ['ndots:2'],
    });
    expect(isNetworkDriverError(new Error('x'))).toBe(false);
  });
});
