import { NetworkDriverError } from './errors.js';

/** An IPv4 prefix: `base` is the network address as an unsigned 32-bit number. */
export interface Cidr {
  base: number;
  prefix: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIp(text: string): number {
  const m = IPV4.exec(text);
  if (!m)
    throw new NetworkDriverError('ERR_INVALID_ARGUMENT', `not an IPv4 address: ${JSON.stringify(text)}`);
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) {
    throw new NetworkDriverError('ERR_INVALID_ARGUMENT', `not an IPv4 address: ${JSON.stringify(text)}`);
  }
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

export function formatIp(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

const maskOf = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** Parses `a.b.c.d/n`; host bits must be zero (`10.0.0.1/24` is refused, as Docker does). */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf('/');
  const prefix = Number(text.slice(slash + 1));
  if (slash < 0 || !/^\d{1,2}$/.test(text.slice(slash + 1)) || prefix > 32) {
    throw new NetworkDriverError('ERR_INVALID_ARGUMENT', `not an IPv4 CIDR: ${JSON.stringify(text)}`);
  }
  const ip = parseIp(text.slice(0, slash));
  const base = (ip & maskOf(prefix)) >>> 0;
  if (base !== ip) {
    throw new NetworkDriverError(
      'ERR_INVALID_ARGUMENT',
      `${text} has host bits set; did you mean ${formatIp(base)}/${prefix}?`,
    );
  }
  return { base, prefix };
}

export const formatCidr = (c: Cidr) => `${formatIp(c.base)}/${c.prefix}`;
export const cidrSize = (c: Cidr) => 2 ** (32 - c.prefix);
export const cidrLast = (c: Cidr) => (c.base + cidrSize(c) - 1) >>> 0;
export const cidrContains = (c: Cidr, ip: number) => ip >= c.base && ip <= cidrLast(c);
export const cidrsOverlap = (a: Cidr, b: Cidr) => a.base <= cidrLast(b) && b.base <= cidrLast(a);
export const cidrWithin = (inner: Cidr, outer: Cidr) =>
  cidrContains(outer, inner.base) && cidrContains(outer, cidrLast(inner));
