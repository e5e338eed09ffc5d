import { NetworkDriverError } from './errors.js';
import { parseIp } from './ipv4.js';

export type PortProtocol = 'tcp' | 'udp';

/** One published port after resolution: host `hostIp:hostPort` forwards to the container's `containerPort`. */
export interface PortMapping {
  proto: PortProtocol;
  /** `0.0.0.0` for every host address. */
  hostIp: string;
  hostPort: number;
  containerPort: number;
}

/**
 * A port to publish before host ports are chosen. `hostPorts` null means any free port (Docker's
 * `-p 80`); a range with a single container port means the first free port of the range.
 */
export interface PortRequest {
  proto: PortProtocol;
  hostIp: string;
  hostPorts: [number, number] | null;
  containerPort: number;
}

const bad = (spec: string, why: string) =>
  new NetworkDriverError('ERR_INVALID_ARGUMENT', `invalid port spec ${JSON.stringify(spec)}: ${why}`);

function portRange(spec: string, text: string): [number, number] {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!m) throw bad(spec, `${JSON.stringify(text)} is not a port or range`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo < 1 || hi > 65535 || hi < lo) throw bad(spec, `${text} is out of 1-65535 or reversed`);
  return [lo, hi];
}

/**
 * Parses Docker's `-p` syntax: `[hostIp:][hostPort[-end]:]containerPort[-end][/tcp|udp]`, e.g.
 * `127.0.0.1:8080:80/tcp`, `8000-8002:8000-8002/udp`, `80` (random host port), `127.0.0.1::53/udp`.
 * Returns one request per container port.
 */
export function parsePortSpec(spec: string): PortRequest[] {
  let rest = spec;
  let proto: PortProtocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const p = rest.slice(slash + 1);
    if (p !== 'tcp' && p !== 'udp') throw bad(spec, `protocol ${JSON.stringify(p)} is not tcp or udp`);
    proto = p;
    rest = rest.slice(0, slash);
  }
  const parts = rest.split(':');
  if (parts.length > 3) throw bad(spec, 'too many colons (IPv6 host addresses are not supported)');
  const containerText = parts.pop()!;
  const hostPortText = parts.pop();
  const hostIp = parts.pop() ?? '0.0.0.0';
  parseIp(hostIp);
  const [cLo, cHi] = portRange(spec, containerText);
  const host = hostPortText ? portRange(spec, hostPortText) : null;
  const count = cHi - cLo + 1;
  if (host && count > 1 && host[1] - host[0] + 1 !== count) {
    throw bad(spec, 'host and container ranges differ in length');
  }
  const out: PortRequest[] = [];
  for (let i = 0; i < count; i++) {
    const hostPorts: [number, number] | null =
      host === null ? null : count > 1 ? [host[0] + i, host[0] + i] : [host[0], host[1]];
    out.push({ proto, hostIp, hostPorts, containerPort: cLo + i });
  }
  return out;
}

/** Whether two mappings would claim the same host socket (0.0.0.0 overlaps every address). */
export const portsClash = (a: { proto: string; hostIp: string; hostPort: number }, b: PortMapping) =>
  a.proto === b.proto &&
  a.hostPort === b.hostPort &&
  (a.hostIp === b.hostIp || a.hostIp === '0.0.0.0' || b.hostIp === '0.0.0.0');
