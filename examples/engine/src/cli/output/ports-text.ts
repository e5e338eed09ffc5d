import { isIPv6 } from 'node:net';

/** A port in `GET /containers/json`. */
export interface PortSummary {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: string;
}

const hostAddress = (ip: string) => (isIPv6(ip) ? `[${ip}]` : ip);

/** The PORTS column: `0.0.0.0:8080->80/tcp, 443/tcp`, sorted as docker sorts them. */
export function portsText(ports: PortSummary[] | null | undefined): string {
  const sorted = [...(ports ?? [])].sort(
    (a, b) =>
      a.PrivatePort - b.PrivatePort ||
      a.Type.localeCompare(b.Type) ||
      (a.IP ?? '').localeCompare(b.IP ?? '') ||
      (a.PublicPort ?? 0) - (b.PublicPort ?? 0),
  );
  const texts = sorted.map((p) =>
    p.PublicPort
      ? `${hostAddress(p.IP ?? '0.0.0.0')}:${p.PublicPort}->${p.PrivatePort}/${p.Type}`
      : `${p.PrivatePort}/${p.Type}`,
  );
  return [...new Set(texts)].join(', ');
}
