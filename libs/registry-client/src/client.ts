import { pipeline, type Readable } from 'node:stream';
import {
  createDigestVerifier,
  type Descriptor,
  type OciLayout,
  parseReference,
  type Reference,
  withDefaultTag,
} from '@berth/image-spec';
import type { CredentialProvider } from './auth/credentials.js';
import { normalizeAuthKey } from './auth/docker-config.js';
import { downloadBlob } from './blob-download.js';
import { blobExists } from './blob-upload.js';
import { listCatalog } from './catalog.js';
import { asContentStore, type BlobRef, type ContentStore } from './content-store.js';
import { Endpoint } from './endpoint.js';
import { isAbort } from './errors.js';
import {
  deleteManifest,
  type FetchedManifest,
  getManifest,
  headManifest,
  type Repository,
} from './manifests.js';
import { DOCKER_HUB, DOCKER_HUB_API, isLoopbackHost, mirrorsFor } from './mirrors.js';
import { type InflightMap, type PullOptions, type PullResult, pullFrom } from './pull.js';
import { type PushOptions, type PushResult, pushTo } from './push.js';
import { listReferrers, type ReferrersOptions } from './referrers.js';
import { type ListOptions, listTags, tagPages } from './tags.js';
import { HttpClient } from './transport/http-client.js';
import { type RetryOptions, retryDefaults } from './transport/retry.js';
import { DEFAULT_CERTS_DIR, loadCertsDir, mergeTls, type TlsSettings } from './transport/tls.js';

/** Settings for one registry host (`127.0.0.1:5000`, `ghcr.io`, `docker.io`). */
export interface RegistryHostOptions {
  /** Send this registry's requests to another base URL, e.g. `http://127.0.0.1:5000`. */
  endpoint?: string;
  /**
   * Allow plain HTTP and unverified TLS (Docker's `insecure-registries`): HTTPS is tried first without
   * checking the certificate, then HTTP. Default: true for loopback hosts, as in Docker.
   */
  insecure?: boolean;
  /** Extra CA certificates (PEM) trusted for this host. */
  ca?: string | string[];
  /** Client certificate and key (PEM). */
  cert?: string;
  key?: string;
  /** Pull-through mirrors to try before this registry, in order (base URLs). */
  mirrors?: string[];
}

export interface RegistryClientOptions {
  /** Where credentials come from (default: anonymous). `dockerConfigCredentials()` reads Docker's. */
  credentials?: CredentialProvider;
  hosts?: Record<string, RegistryHostOptions>;
  /** daemon.json `registry-mirrors`: mirrors of Docker Hub. */
  registryMirrors?: string[];
  /** daemon.json `insecure-registries` (host[:port] entries). */
  insecureRegistries?: string[];
  /** Docker's per-host certificate directory (default `/etc/docker/certs.d`); false to not read one. */
  certsDir?: string | false;
  retry?: RetryOptions;
  /** Blobs transferred at once per pull or push (default 3, as Docker). */
  concurrency?: number;
  userAgent?: string;
}

/**
 * A client for registries that speak the OCI distribution API. One instance keeps connections, auth
 * tokens and the endpoints it learned; share it. Call close() when done.
 */
export class RegistryClient {
  private readonly options: RegistryClientOptions;
  private readonly http: HttpClient;
  private readonly tls = new Map<string, TlsSettings>();
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly inflight: InflightMap = new WeakMap();
  private readonly retry: Required<RetryOptions>;

  constructor(options: RegistryClientOptions = {}) {
    this.options = options;
    this.retry = retryDefaults(options.retry);
    this.http = new HttpClient({
      userAgent: options.userAgent ?? 'berth-registry-client/0',
      tlsFor: (url) => this.tls.get(url.host) ?? {},
    });
  }

  private hostOptions(host: string): RegistryHostOptions {
    return this.options.hosts?.[host] ?? {};
  }

  private isInsecure(host: string): boolean {
    return (
      this.hostOptions(host).insecure ??
      (this.options.insecureRegistries?.includes(host) || isLoopbackHost(host))
    );
  }

  /** The endpoint for a registry name (credentials key) served at `base` (or probed when undefined). */
  private endpoint(name: string, base: URL | undefined): Endpoint {
    const key = `${name} ${base?.origin ?? ''}`;
    let endpoint = this.endpoints.get(key);
    if (endpoint) return endpoint;
    const serverHost = base?.host ?? name;
    const insecure = this.isInsecure(name) || this.isInsecure(serverHost);
    endpoint = new Endpoint({
      name,
      base,
      insecure,
      http: this.http,
      credentials: (host) => this.options.credentials?.(host) ?? Promise.resolve(undefined),
      retry: this.retry,
      prepare: async () => {
        if (this.tls.has(serverHost)) return;
        const fromDir =
          this.options.certsDir === false
            ? undefined
            : await loadCertsDir(this.options.certsDir ?? DEFAULT_CERTS_DIR, serverHost);
        const own = { ...this.hostOptions(name), ...this.hostOptions(serverHost) };
        const ca = own.ca === undefined ? undefined : Array.isArray(own.ca) ? own.ca : [own.ca];
        this.tls.set(
          serverHost,
          mergeTls(
            fromDir,
            { ca, cert: own.cert, key: own.key },
            insecure ? { rejectUnauthorized: false } : undefined,
          ),
        );
      },
    });
    this.endpoints.set(key, endpoint);
    return endpoint;
  }

  /** The registry itself for a reference's domain (pushes, deletes, listings go here). */
  private upstream(domain: string): Endpoint {
    const override = this.hostOptions(domain).endpoint;
    if (override) return this.endpoint(domain, new URL(new URL(override).origin));
    if (domain === DOCKER_HUB) return this.endpoint(DOCKER_HUB, new URL(DOCKER_HUB_API));
    return this.endpoint(domain, undefined);
  }

  /** Endpoints to read from, in order: mirrors, then the registry. */
  private readEndpoints(domain: string): Endpoint[] {
    const mirrors = mirrorsFor(domain, {
      registryMirrors: this.options.registryMirrors,
      hosts: this.options.hosts,
    }).map((url) => this.endpoint(url.host, url));
    return [...mirrors, this.upstream(domain)];
  }

  private repo(ref: Reference, endpoint = this.upstream(ref.domain)): Repository {
    return { endpoint, path: ref.path };
  }

  /** Runs `fn` against each read endpoint in turn until one succeeds (mirror fallback). */
  private async fromReadEndpoints<T>(
    ref: Reference,
    signal: AbortSignal | undefined,
    fn: (repo: Repository) => Promise<T>,
    onFallback?: (from: string, to: string, err: unknown) => void,
  ): Promise<T> {
    const endpoints = this.readEndpoints(ref.domain);
    for (let i = 0; ; i++) {
      const endpoint = endpoints[i]!;
      try {
        return await fn(this.repo(ref, endpoint));
      } catch (err) {
        if (i === endpoints.length - 1 || isAbort(err) || signal?.aborted) throw err;
        onFallback?.(endpoint.name, endpoints[i + 1]!.name, err);
      }
    }
  }

  /**
   * Checks that a registry accepts this client's credentials for it, as `docker login` does: a
   * `GET /v2/` through the auth round trip (Basic, or a token fetched with the credentials). Throws
   * `ERR_REGISTRY_UNAUTHORIZED` when they are refused. `server` is a host (`registry.example:5000`)
   * or a URL (`https://index.docker.io/v1/`).
   */
  async checkLogin(server: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    const domain = normalizeAuthKey(server) === 'docker.io' ? DOCKER_HUB : normalizeAuthKey(server);
    const res = await this.upstream(domain).request({
      method: 'GET',
      path: '/v2/',
      scopes: [],
      ok: [200],
      what: `login to ${domain}`,
      signal: options.signal,
    });
    res.body.resume();
  }

  /** Resolves a reference to the descriptor of its manifest or index (HEAD, falling back to GET). */
  async resolve(reference: string, options: { signal?: AbortSignal } = {}): Promise<Descriptor> {
    const ref = withDefaultTag(parseReference(reference));
    return this.fromReadEndpoints(ref, options.signal, (repo) =>
      headManifest(repo, ref.digest ?? ref.tag!, options.signal),
    );
  }

  /** Fetches and validates a manifest or index (its digest verified). */
  async getManifest(reference: string, options: { signal?: AbortSignal } = {}): Promise<FetchedManifest> {
    const ref = withDefaultTag(parseReference(reference));
    return this.fromReadEndpoints(ref, options.signal, (repo) =>
      getManifest(repo, ref.digest ?? ref.tag!, options.signal),
    );
  }

  /**
   * A verified stream of a blob of repository `name` (e.g. `127.0.0.1:5000/busybox`): the stream fails
   * with ERR_DIGEST_MISMATCH / ERR_SIZE_MISMATCH at the end when the bytes are wrong, so treat the data
   * as untrusted until it ended cleanly. Dropped connections are resumed with Range requests.
   */
  fetchBlob(name: string, blob: BlobRef, options: { signal?: AbortSignal } = {}): Readable {
    const ref = parseReference(name);
    const verifier = createDigestVerifier(blob);
    return pipeline(
      downloadBlob(this.repo(ref), blob, { signal: options.signal, retry: this.retry }),
      verifier,
      () => undefined,
    );
  }

  /** Does repository `name` have the blob? */
  async hasBlob(name: string, digest: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    return blobExists(this.repo(parseReference(name)), digest, options.signal);
  }

  /**
   * Pulls an image into a content store (an OciLayout or your own): the manifest for the platform
   * (from an index), config and layers, several at once, verified as they stream, resumed when a
   * connection drops. Mirrors are tried first; any failure there falls back to the next endpoint.
   */
  async pull(
    reference: string,
    options: PullOptions & { into: ContentStore | OciLayout },
  ): Promise<PullResult> {
    const ref = withDefaultTag(parseReference(reference));
    const store = asContentStore(options.into);
    return this.fromReadEndpoints(
      ref,
      options.signal,
      (repo) =>
        pullFrom(
          {
            repo,
            ref,
            store,
            storeKey: options.into,
            inflight: this.inflight,
            concurrency: this.options.concurrency ?? 3,
            retry: this.retry,
          },
          options,
        ),
      (from, to, err) =>
        options.onProgress?.({
          type: 'fallback',
          from,
          to,
          reason: err instanceof Error ? err.message : String(err),
        }),
    );
  }

  /** Pushes an image (manifest or index) from a content store to `reference`. */
  async push(
    reference: string,
    options: PushOptions & { from: ContentStore | OciLayout },
  ): Promise<PushResult> {
    const ref = withDefaultTag(parseReference(reference));
    return pushTo(
      {
        repo: this.repo(ref),
        ref,
        store: asContentStore(options.from),
        concurrency: this.options.concurrency ?? 3,
        retry: this.retry,
      },
      options,
    );
  }

  /** Every tag of repository `name`, across pages. */
  listTags(name: string, options: ListOptions = {}): Promise<string[]> {
    return listTags(this.repo(parseReference(name)), options);
  }

  /** Tag pages as they arrive. */
  tagPages(name: string, options: ListOptions = {}): AsyncGenerator<string[]> {
    return tagPages(this.repo(parseReference(name)), options);
  }

  /** Repository names of a registry (`/v2/_catalog`), e.g. `catalog('127.0.0.1:5000')`. */
  catalog(registry: string, options: ListOptions = {}): Promise<string[]> {
    return listCatalog(this.upstream(registry), options);
  }

  /** Manifests whose subject is `reference`'s digest (referrers API, or the tag schema fallback). */
  async referrers(reference: string, options: ReferrersOptions = {}): Promise<Descriptor[]> {
    const ref = withDefaultTag(parseReference(reference));
    const digest = ref.digest ?? (await headManifest(this.repo(ref), ref.tag!, options.signal)).digest;
    return listReferrers(this.repo(ref), digest, options);
  }

  /** Deletes a manifest; a tag is resolved to its digest first. Returns the digest deleted. */
  async deleteManifest(reference: string, options: { signal?: AbortSignal } = {}): Promise<string> {
    const ref = withDefaultTag(parseReference(reference));
    const repo = this.repo(ref);
    const digest = ref.digest ?? (await headManifest(repo, ref.tag!, options.signal)).digest;
    await deleteManifest(repo, digest, options.signal);
    return digest;
  }

  /** Closes pooled connections. */
  close(): Promise<void> {
    return this.http.close();
  }
}
