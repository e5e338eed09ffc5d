import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
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
/** No bytes for this long (connecting, waiting for headers, or mid-body) fails the request. */
const IDLE_TIMEOUT_MS = 120_000;

/**
 * HTTP/1.1 over Node's own http/https with keep-alive pools, one per TLS configuration. Node's
 * client is part of the runtime, so a pull does not pay for loading another HTTP stack (undici
 * alone is ~12 MB of resident memory). Redirects are followed here, so that `Authorization` is
 * dropped when a redirect leaves the origin (blob storage).
 */
export class HttpClient {
  private readonly agents = new Map<string, HttpAgent>();
  private readonly userAgent: string;
  private readonly tlsFor: TlsResolver;

  constructor(options: { userAgent: string; tlsFor: TlsResolver }) {
    this.userAgent = options.userAgent;
    this.tlsFor = options.tlsFor;
  }

  private agent(url: URL): HttpAgent {
    const tls = url.protocol === 'https:';
    const settings = tls ? this.tlsFor(url) : {};
    const key = `${url.protocol}${JSON.stringify(settings)}`;
    let agent = this.agents.get(key);
    if (!agent) {
      const common = { keepAlive: true, keepAliveMsecs: 10_000, scheduling: 'lifo' as const };
      agent = tls ? new HttpsAgent({ ...common, ...connectOptions(settings) }) : new HttpAgent(common);
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
      let res: IncomingMessage;
      try {
        res = await this.once(url, method, headers, body, req.signal);
      } catch (err) {
        throw transportError(err, `${method} ${safeUrl(url)}`);
      }
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (!REDIRECTS.has(status) || location === undefined || hop >= maxRedirects) {
        return { status, headers: flatten(res.headers), body: res, url };
      }
      res.resume();
      const next = new URL(String(location), url);
      if (next.protocol !== 'https:' && next.protocol !== 'http:') {
        throw new RegistryError('ERR_REGISTRY_PROTOCOL', `${safeUrl(url)} redirected to a non-HTTP URL`);
      }
      // Credentials belong to the registry: never send them to another origin (e.g. a storage bucket).
      if (next.origin !== url.origin) delete headers.authorization;
      if (status === 303) {
        method = method === 'HEAD' ? 'HEAD' : 'GET';
        body = undefined;
      }
      url = next;
    }
  }

  /** One request; resolves with the response head, its body still to be read. */
  private once(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: RequestBody | undefined,
    signal: AbortSignal | undefined,
  ): Promise<IncomingMessage> {
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const outgoing: Record<string, string> = { ...headers };
      if (typeof body === 'string' || body instanceof Uint8Array)
        outgoing['content-length'] = String(Buffer.byteLength(body));
      const req: ClientRequest = send(url, { method, headers: outgoing, agent: this.agent(url), signal });
      req.setTimeout(IDLE_TIMEOUT_MS, () =>
        req.destroy(
          Object.assign(new Error(`no data for ${IDLE_TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' }),
        ),
      );
      req.once('error', reject);
      req.once('response', (res) => {
        // A body that stalls or breaks later is the body stream's error, not the request's.
        req.off('error', reject);
        req.on('error', (err) => res.destroy(err));
        res.on('aborted', () =>
          res.destroy(Object.assign(new Error('connection closed mid-body'), { code: 'ECONNRESET' })),
        );
        resolve(res);
      });
      if (isStream(body)) pipeline(body, req, () => undefined);
      else req.end(body);
    });
  }

  async close(): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    for (const a of agents) a.destroy();
  }
}

function isStream(body: RequestBody | undefined): body is Readable {
  return body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array);
}

function flatten(headers: IncomingMessage['headers']): Record<string, string> {
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
