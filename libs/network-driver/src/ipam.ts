import { NetworkDriverError } from './errors.js';
import {
  type Cidr,
  cidrContains,
  cidrLast,
  cidrsOverlap,
  cidrWithin,
  formatCidr,
  formatIp,
  parseCidr,
  parseIp,
} from './ipv4.js';
import type { NetworkRecord, State } from './state.js';

/** A pool that subnets are carved from when a network names none (like Docker's default-address-pools). */
export interface AddressPool {
  base: string;
  /** Prefix length of each subnet carved from `base`. */
  size: number;
}

export interface IpamRequest {
  name: string;
  subnet?: string;
  gateway?: string;
  ipRange?: string;
}

export interface IpamConfig {
  subnet: string;
  gateway: string;
  ipRange: string;
}

/** The addresses of a network in use by endpoints (any phase), across all sandboxes. */
export function usedAddresses(state: State, network: string): Set<number> {
  const used = new Set<number>();
  for (const sb of Object.values(state.sandboxes)) {
    const ep = sb.endpoints[network];
    if (ep) used.add(parseIp(ep.ip));
  }
  return used;
}

const reserved = (subnet: Cidr, ip: number) =>
  subnet.prefix <= 30 && (ip === subnet.base || ip === cidrLast(subnet));

/**
 * Checks a network's address plan against the others (no two subnets overlap, not even with
 * `hostRoutes`, the subnets the host reaches directly, when the subnet is picked from a pool)
 * and fills in defaults: a subnet from `pools`, the first host address as gateway, the whole
 * subnet as ip-range.
 */
export function planNetwork(
  req: IpamRequest,
  state: State,
  pools: AddressPool[],
  hostRoutes: Cidr[],
): IpamConfig {
  const taken = Object.values(state.networks).map((n) => ({ name: n.name, cidr: parseCidr(n.subnet) }));
  let subnet: Cidr;
  if (req.subnet !== undefined) {
    subnet = parseCidr(req.subnet);
    const clash = taken.find((t) => cidrsOverlap(t.cidr, subnet));
    if (clash) {
      throw new NetworkDriverError(
        'ERR_SUBNET_OVERLAP',
        `subnet ${req.subnet} of network ${req.name} overlaps ${formatCidr(clash.cidr)} of network ${clash.name}`,
      );
    }
  } else {
    const found = pickFromPools(pools, [...taken.map((t) => t.cidr), ...hostRoutes]);
    if (!found) {
      throw new NetworkDriverError(
        'ERR_POOL_EXHAUSTED',
        `no free subnet left in the address pools ${pools.map((p) => `${p.base}/${p.size}`).join(', ')} for network ${req.name}`,
      );
    }
    subnet = found;
  }
  if (subnet.prefix > 30) {
    throw new NetworkDriverError(
      'ERR_INVALID_ARGUMENT',
      `subnet ${formatCidr(subnet)} is too small (max /30)`,
    );
  }
  let gateway = subnet.base + 1;
  if (req.gateway !== undefined) {
    gateway = parseIp(req.gateway);
    if (!cidrContains(subnet, gateway) || reserved(subnet, gateway)) {
      throw new NetworkDriverError(
        'ERR_ADDRESS_OUT_OF_RANGE',
        `gateway ${req.gateway} is not a host address of subnet ${formatCidr(subnet)}`,
      );
    }
  }
  let ipRange = subnet;
  if (req.ipRange !== undefined) {
    ipRange = parseCidr(req.ipRange);
    if (!cidrWithin(ipRange, subnet)) {
      throw new NetworkDriverError(
        'ERR_ADDRESS_OUT_OF_RANGE',
        `ip-range ${req.ipRange} is not inside subnet ${formatCidr(subnet)}`,
      );
    }
  }
  return { subnet: formatCidr(subnet), gateway: formatIp(gateway), ipRange: formatCidr(ipRange) };
}

function pickFromPools(pools: AddressPool[], taken: Cidr[]): Cidr | null {
  for (const pool of pools) {
    const base = parseCidr(pool.base);
    const step = 2 ** (32 - pool.size);
    for (let b = base.base; b + step - 1 <= cidrLast(base); b += step) {
      const c = { base: b >>> 0, prefix: pool.size };
      if (!taken.some((t) => cidrsOverlap(t, c))) return c;
    }
  }
  return null;
}

/**
 * Allocates an address on `net` (mutating its `lastAllocated`): `requested` if given and free,
 * else the next free address of the ip-range after the last one handed out (rolling over, as
 * Docker does, so a just-released address is not reused at once).
 */
export function allocateAddress(state: State, net: NetworkRecord, requested?: string): string {
  const subnet = parseCidr(net.subnet);
  const gateway = parseIp(net.gateway);
  const used = usedAddresses(state, net.name);
  if (requested !== undefined) {
    const ip = parseIp(requested);
    if (!cidrContains(subnet, ip) || reserved(subnet, ip)) {
      throw new NetworkDriverError(
        'ERR_ADDRESS_OUT_OF_RANGE',
        `${requested} is not a host address of network ${net.name} (${net.subnet})`,
      );
    }
    if (ip === gateway || used.has(ip)) {
      throw new NetworkDriverError(
        'ERR_ADDRESS_IN_USE',
        `${requested} is already in use on network ${net.name}${ip === gateway ? ' (gateway)' : ''}`,
      );
    }
    return requested;
  }
  const range = parseCidr(net.ipRange);
  const size = cidrLast(range) - range.base + 1;
  const last = net.lastAllocated === null ? null : parseIp(net.lastAllocated);
  const start = last !== null && cidrContains(range, last) ? last - range.base + 1 : 0;
  for (let i = 0; i < size; i++) {
    const ip = (range.base + ((start + i) % size)) >>> 0;
    if (ip === gateway || used.has(ip) || reserved(subnet, ip)) continue;
    net.lastAllocated = formatIp(ip);
    return net.lastAllocated;
  }
  throw new NetworkDriverError(
    'ERR_POOL_EXHAUSTED',
    `no free address left in ${net.ipRange} of network ${net.name}`,
  );
}

/** A MAC derived from the address, as Docker did for years: 02:42 then the four address bytes. */
export function macFor(ip: string): string {
  const n = parseIp(ip);
  return ['02', '42', n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]
    .map((b) => (typeof b === 'string' ? b : b.toString(16).padStart(2, '0')))
    .join(':');
}
