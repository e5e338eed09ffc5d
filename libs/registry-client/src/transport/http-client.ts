import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { RegistryError, safeUrl, transportError } from '../errors.js';
import { connectOptions, type TlsSettings } from './tls.js';

export type RequestBody = string | Uint8Array | Readable;

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: RequestBody;
  signal?: AbortSignal;
  /** Redirects to follow (default 5). A request with a stream body follows none. */
  maxRedirects?: number;
}

export interface HttpResponse {
  status: number;
  /** Lower-case names; repeated headers joined with `, `. */
  headers: Record<string, string>;
  body: Readable;
  /** The URL that answered, after redirects. */
  url: URL;
}

/** Picks the TLS settings for a URL's host (redirects may lead to another host). */
export type TlsResolver = (url: URL) => TlsSettings;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * HTTP/1.1 over undici with one connection pool per TLS configuration. Redirects are followed here,
 * not by undici, so that `Authorization` is dropped when a redirect leaves the origin (blob storage).
 */
export class HttpClient {
  private readonly agents = new Map<string, Agent>();
  private readonly userAgent: string;
  private readonly tlsFor: TlsResolver;

  constructor(options: { userAgent: string; tlsFor: TlsResolver }) {
    this.userAgent = options.userAgent;
    this.tlsFor = options.tlsFor;
  }

  private agent(settings: TlsSettings): Agent {
    const key = JSON.stringify(settings);
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new Agent({
        connect: { ...connectOptions(settings), timeout: 30_000 },
        keepAliveTimeout: 10_000,
        headersTimeout: 120_000,
        bodyTimeout: 120_000,
      });
      this.agents.set(key, agent);
    }
    return agent;
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    let url = req.url;
    let method = req.method;
    let body = req.body;
    const headers: Record<string, string> = { 'user-agent': this.userAgent, ...req.headers };
    const maxRedirects = isStream(body) ? 0 : (req.maxRedirects ?? 5);
    for (let hop = 0; ; hop++) {
      let res: Awaited<ReturnType<typeof request>>;
      try {
        res = await request(url, {
          method: method as 'GET',
          headers,
          body: body ?? null,
          signal: req.signal,
          dispatcher: this.agent(this.tlsFor(url)),
        });
      } catch (err) {
        throw transportError(err, `${method} ${safeUrl(url)}`);
      }
      const location = res.headers.location;
      if (!REDIRECTS.has(res.statusCode) || location === undefined || hop >= maxRedirects) {
        return { status: res.statusCode, headers: flatten(res.headers), body: res.body, url };
      }
      res.body.resume();
      const next = new URL(String(location), url);
      if (next.protocol !== 'https:' && next.protocol !== 'http:') {
        throw new RegistryError('ERR_REGISTRY_PROTOCOL', `${safeUrl(url)} redirected to a non-HTTP URL`);
      }
      // Credentials belong to the registry: never send them to another origin (e.g. a storage bucket).
      if (next.origin !== url.origin) delete headers.authorization;
      if (res.statusCode === 303) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
      }
      url = next;
    }
  }

  async close(): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map((a) => a.close()));
  }
}

function isStream(body: RequestBody | undefined): body is Readable {
  return body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array);
}

function flatten(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Reads a (small) body into memory, refusing more than `limit` bytes. */
export async function readBody(res: HttpResponse, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body) {
      total += (chunk as Buffer).length;
      if (total > limit) {
        res.body.destroy();
        throw new RegistryError('ERR_REGISTRY_PROTOCOL', `${what}: response larger than ${limit} bytes`);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    throw transportError(err, what);
  }
  return Buffer.concat(chunks);
}

/** Reads an error body for its message, at most 64 KiB; never throws. */
export async function readErrorBody(res: HttpResponse): Promise<string> {
  try {
    return (await readBody(res, 64 * 1024, 'error body')).toString('utf8');
  } catch {
    return '';
  }
}

/** Discards a body so its connection can be reused. */
export function discard(res: HttpResponse): void {
  res.body.on('error', () => undefined);
  res.body.resume();
}
