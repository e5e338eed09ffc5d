import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';

/** TLS settings for one registry host. */
export interface TlsSettings {
  /** Extra CA certificates (PEM), trusted in addition to Node's bundled roots. */
  ca?: string[];
  /** Client certificate and key (PEM) for registries that want mutual TLS. */
  cert?: string;
  key?: string;
  /** False only for insecure registries: accept any certificate. */
  rejectUnauthorized?: boolean;
}

/** Docker's per-registry certificate directory. */
export const DEFAULT_CERTS_DIR = '/etc/docker/certs.d';

/**
 * Reads Docker's `certs.d/<host>/` convention: every `*.crt` is a CA, `*.cert` + `*.key` are a client
 * certificate pair. Returns undefined when the directory does not exist.
 */
export async function loadCertsDir(certsDir: string, host: string): Promise<TlsSettings | undefined> {
  if (host.includes('/') || host.startsWith('.')) return undefined;
  const dir = join(certsDir, host);
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch {
    return undefined;
  }
  const settings: TlsSettings = {};
  for (const name of names) {
    if (name.endsWith('.crt')) {
      settings.ca = [...(settings.ca ?? []), await readFile(join(dir, name), 'utf8')];
    } else if (name.endsWith('.cert')) {
      settings.cert = await readFile(join(dir, name), 'utf8');
      settings.key = await readFile(join(dir, `${name.slice(0, -'.cert'.length)}.key`), 'utf8');
    }
  }
  return settings;
}

/** Merges settings; later ones win, CA lists add up. */
export function mergeTls(...all: (TlsSettings | undefined)[]): TlsSettings {
  const out: TlsSettings = {};
  for (const s of all) {
    if (!s) continue;
    if (s.ca) out.ca = [...(out.ca ?? []), ...s.ca];
    if (s.cert !== undefined) out.cert = s.cert;
    if (s.key !== undefined) out.key = s.key;
    if (s.rejectUnauthorized !== undefined) out.rejectUnauthorized = s.rejectUnauthorized;
  }
  return out;
}

/** The TLS options of a connection pool: custom CAs are added to, not substituted for, the default roots. */
export function connectOptions(settings: TlsSettings): Record<string, unknown> {
  return {
    ...(settings.ca?.length ? { ca: [...rootCertificates, ...settings.ca] } : {}),
    ...(settings.cert ? { cert: settings.cert, key: settings.key } : {}),
    rejectUnauthorized: settings.rejectUnauthorized ?? true,
  };
}
