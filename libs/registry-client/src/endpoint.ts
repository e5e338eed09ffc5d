import { AuthSession } from './auth/bearer-token.js';
import type { Credentials } from './auth/credentials.js';
import { errorFromResponse, RegistryError, type RegistryErrorCode, safeUrl } from './errors.js';
import {
  discard,
  type HttpClient,
  type HttpResponse,
  type RequestBody,
  readErrorBody,
} from './transport/http-client.js';
import { parseRetryAfter, type RetryInfo, type RetryOptions, withRetry } from './transport/retry.js';

/** One request to a registry endpoint, with what it means for errors and auth. */
export interface RegistryRequest {
  method: string;
  /** A path under the endpoint (`/v2/…`) or an absolute URL (an upload Location). */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** A factory makes the body replayable (retries, auth round trips); a plain stream is sent once. */
  body?: RequestBody | (() => RequestBody | Promise<RequestBody>);
  /** Token scopes the request needs, e.g. `repository:library/busybox:pull`. */
  scopes: readonly string[];
  /** Statuses that are answers, not errors. */
  ok: readonly number[];
  /** What a plain 404 means. */
  notFound?: RegistryErrorCode;
  /** Words for error messages: `GET manifest busybox:latest`. */
  what: string;
  signal?: AbortSignal;
  /** False to fail at the first error (default: retry retryable errors when the body is replayable). */
  retry?: boolean;
  onRetry?: (info: RetryInfo) => void;
}

export interface EndpointOptions {
  /** host[:port]: the key for credentials, certs.d and messages. */
  name: string;
  /** Fixed base URL (scheme known) or undefined to decide by probing. */
  base?: URL;
  /** Try unverified HTTPS, then plain HTTP. */
  insecure: boolean;
  http: HttpClient;
  credentials: (host: string) => Promise<Credentials | undefined>;
  retry: RetryOptions;
  /** Prepares TLS settings for the endpoint's host before the first request. */
  prepare: () => Promise<void>;
}

/**
 * One registry server as the client talks to it: its base URL (HTTPS, or HTTP for insecure ones,
 * found by a ping of `/v2/` like Docker does), its auth session, and the request loop with auth
 * round trips and retries.
 */
export class Endpoint {
  readonly name: string;
  readonly auth: AuthSession;
  private readonly options: EndpointOptions;
  private ready_: Promise<URL> | undefined;

  constructor(options: EndpointOptions) {
    this.options = options;
    this.name = options.name;
    this.auth = new AuthSession({
      host: options.name,
      http: options.http,
      credentials: () => options.credentials(options.name),
    });
  }

  /** The base URL, after a first ping that learned the auth challenge. Failed pings are not cached. */
  ready(signal?: AbortSignal): Promise<URL> {
    if (!this.ready_) {
      const attempt = this.connect(signal);
      this.ready_ = attempt;
      attempt.catch(() => {
        if (this.ready_ === attempt) this.ready_ = undefined;
      });
    }
    return this.ready_;
  }

  private async connect(signal?: AbortSignal): Promise<URL> {
    await this.options.prepare();
    const { base, insecure } = this.options;
    if (base) {
      await this.ping(base, signal);
      return base;
    }
    const https = new URL(`https://${this.name}`);
    try {
      await this.ping(https, signal);
      return https;
    } catch (err) {
      if (!insecure || signal?.aborted || (err instanceof RegistryError && err.status !== undefined))
        throw err;
    }
    const http = new URL(`http://${this.name}`);
    await this.ping(http, signal);
    return http;
  }

  private async ping(base: URL, signal?: AbortSignal): Promise<void> {
    const url = new URL('/v2/', base);
    const res = await this.options.http.send({ method: 'GET', url, signal });
    if (res.status === 200) return discard(res);
    if (res.status === 401) {
      discard(res);
      this.auth.learn(res.headers['www-authenticate']);
      return;
    }
    const body = await readErrorBody(res);
    if (res.status === 404) {
      throw new RegistryError('ERR_REGISTRY_PROTOCOL', `${safeUrl(url)} does not serve the registry API v2`, {
        status: 404,
      });
    }
    throw errorFromResponse(res.status, body, {
      what: `GET ${safeUrl(url)}`,
      retryAfterMs: parseRetryAfter(res.headers['retry-after']),
    });
  }

  /** Sends a request: authorization, one auth round trip on 401, retries of retryable failures. */
  async request(spec: RegistryRequest): Promise<HttpResponse> {
    const replayable = spec.body === undefined || typeof spec.body === 'function' || isBytes(spec.body);
    const retries = spec.retry === false || !replayable ? 0 : this.options.retry.retries;
    return withRetry(() => this.once(spec, replayable), {
      ...this.options.retry,
      retries,
      signal: spec.signal,
      onRetry: spec.onRetry,
    });
  }

  private async once(spec: RegistryRequest, replayable: boolean): Promise<HttpResponse> {
    const base = await this.ready(spec.signal);
    const url = new URL(spec.path, base);
    for (const [k, v] of Object.entries(spec.query ?? {})) url.searchParams.set(k, v);
    let authorization = await this.auth.authorization(spec.scopes, spec.signal);
    for (let round = 0; ; round++) {
      const body = typeof spec.body === 'function' ? await spec.body() : spec.body;
      const headers = { ...spec.headers, ...(authorization ? { authorization } : {}) };
      const res = await this.options.http.send({
        method: spec.method,
        url,
        headers,
        body,
        signal: spec.signal,
      });
      if (res.status === 401 && !spec.ok.includes(401)) {
        discard(res);
        if (round === 0 && replayable) {
          this.auth.learn(res.headers['www-authenticate'], authorization);
          const next = await this.auth.authorization(spec.scopes, spec.signal);
          if (next !== undefined && next !== authorization) {
            authorization = next;
            continue;
          }
        }
        throw new RegistryError(
          'ERR_REGISTRY_UNAUTHORIZED',
          `${spec.what}: ${this.name} ${authorization ? 'refused the credentials' : 'requires authentication'} (401)`,
          { status: 401 },
        );
      }
      if (spec.ok.includes(res.status)) return res;
      const text = spec.method === 'HEAD' ? '' : await readErrorBody(res);
      if (spec.method === 'HEAD') discard(res);
      throw errorFromResponse(res.status, text, {
        what: spec.what,
        notFound: spec.notFound,
        retryAfterMs: parseRetryAfter(res.headers['retry-after']),
      });
    }
  }
}

function isBytes(body: unknown): boolean {
  return typeof body === 'string' || body instanceof Uint8Array;
}
