import { CliError } from '../errors.js';

export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

export interface PublishedPorts {
  exposed: Record<string, Record<string, never>>;
  bindings: Record<string, PortBinding[]>;
}

function range(text: string, what: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const start = Number(m?.[1]);
  const end = m?.[2] ? Number(m[2]) : start;
  if (!m || start < 1 || end > 65535 || end < start) throw new CliError(`invalid ${what}: ${text}`);
  return [start, end];
}

/**
 * `-p` as docker reads it: `[ip:][hostPort:]containerPort[/proto]`, ports or ranges
 * (`8080-8081:80-81`), IPv6 addresses in brackets.
 */
export function parsePublish(specs: string[]): PublishedPorts {
  const exposed: PublishedPorts['exposed'] = {};
  const bindings: PublishedPorts['bindings'] = {};
  for (const spec of specs) {
    const [address, proto = 'tcp'] = spec.split('/') as [string, string?];
    if (!['tcp', 'udp', 'sctp'].includes(proto)) throw new CliError(`invalid proto: ${proto}`);
    let hostIp = '';
    let rest = address;
    const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(address);
    if (bracketed) {
      hostIp = bracketed[1] as string;
      rest = bracketed[2] as string;
    }
    const parts = rest.split(':');
    if (!bracketed && parts.length === 3) hostIp = parts.shift() as string;
    if (parts.length > 2) throw new CliError(`invalid publish spec: ${spec}`);
    const containerText = parts.pop() as string;
    const hostText = parts.pop() ?? '';
    const [cStart, cEnd] = range(containerText, 'containerPort');
    const host = hostText ? range(hostText, 'hostPort') : undefined;
    if (host && host[1] - host[0] !== cEnd - cStart && host[0] !== host[1]) {
      throw new CliError(
        `invalid ranges specified for container and host Ports: ${containerText} and ${hostText}`,
      );
    }
    for (let port = cStart; port <= cEnd; port++) {
      const key = `${port}/${proto}`;
      exposed[key] = {};
      const hostPort = !host ? '' : host[0] === host[1] ? String(host[0]) : String(host[0] + port - cStart);
      bindings[key] = [...(bindings[key] ?? []), { HostIp: hostIp, HostPort: hostPort }];
    }
  }
  return { exposed, bindings };
}

/** `--expose 80[/tcp]`. */
export function parseExpose(specs: string[]): Record<string, Record<string, never>> {
  const exposed: Record<string, Record<string, never>> = {};
  for (const spec of specs) {
    const [port = '', proto = 'tcp'] = spec.split('/');
    const [start, end] = range(port, 'port');
    for (let p = start; p <= end; p++) exposed[`${p}/${proto}`] = {};
  }
  return exposed;
}
