import type { PortMapping, PortRequest } from '@berth/network-driver';
import { badRequest } from '../api/api-error.js';

type PortBindings = Record<string, { HostIp?: string; HostPort?: string }[] | null>;

function parsePortKey(key: string): { containerPort: number; proto: 'tcp' | 'udp' } {
  const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(key);
  const port = Number(m?.[1]);
  if (!m || port < 1 || port > 65535) throw badRequest(`invalid port specification: "${key}"`);
  if (m[2] === 'sctp') throw badRequest(`invalid port specification: "${key}": sctp is not supported`);
  return { containerPort: port, proto: (m[2] as 'tcp' | 'udp' | undefined) ?? 'tcp' };
}

function hostPorts(key: string, text: string | undefined): [number, number] | null {
  if (!text) return null; // Docker: an empty HostPort is a random free one
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  const lo = Number(m?.[1]);
  const hi = m?.[2] === undefined ? lo : Number(m[2]);
  if (!m || lo < 1 || hi > 65535 || hi < lo) {
    throw badRequest(`invalid port specification: "${text}" (for ${key})`);
  }
  return [lo, hi];
}

/**
 * HostConfig.PortBindings (and, with PublishAllPorts, every exposed port not bound) as the
 * driver's port requests. Bindings on an IPv6 host address are skipped: containers get IPv4 only.
 */
export function portRequests(bindings: PortBindings, publishAll: boolean, exposed: string[]): PortRequest[] {
  const out: PortRequest[] = [];
  for (const [key, list] of Object.entries(bindings)) {
    const { containerPort, proto } = parsePortKey(key);
    for (const b of list ?? []) {
      const hostIp = b.HostIp || '0.0.0.0';
      if (hostIp.includes(':')) continue;
      if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(hostIp)) throw badRequest(`invalid IP address: ${hostIp}`);
      out.push({ proto, hostIp, hostPorts: hostPorts(key, b.HostPort), containerPort });
    }
  }
  if (publishAll) {
    for (const key of exposed) {
      if (bindings[key]?.length) continue;
      const { containerPort, proto } = parsePortKey(key);
      out.push({ proto, hostIp: '0.0.0.0', hostPorts: null, containerPort });
    }
  }
  return out;
}

/** Docker's NetworkSettings.Ports: every exposed or published port, with its host bindings or null. */
export function dockerPorts(
  mappings: PortMapping[],
  exposed: string[],
): Record<string, { HostIp: string; HostPort: string }[] | null> {
  const ports: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const key of exposed) ports[key.includes('/') ? key : `${key}/tcp`] = null;
  for (const m of mappings) {
    const key = `${m.containerPort}/${m.proto}`;
    const list = ports[key] ?? [];
    list.push({ HostIp: m.hostIp, HostPort: String(m.hostPort) });
    ports[key] = list;
  }
  return ports;
}
