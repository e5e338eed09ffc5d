import { errorFromResponse, RegistryError, safeUrl } from '../errors.js';
import { type HttpClient, readBody, readErrorBody } from '../transport/http-client.js';
import type { Credentials } from './credentials.js';
import { type AuthChallenge, parseWwwAuthenticate } from './www-authenticate.js';

/** Seconds a token lives when the token server does not say (distribution's token spec). */
const DEFAULT_TOKEN_SECONDS = 60;
/** Tokens are renewed this long before they expire. */
const EXPIRY_MARGIN_MS = 5_000;

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Builds an access scope for a repository, e.g. `repository:library/busybox:pull,push`. */
export function repositoryScope(path: string, actions: readonly string[]): string {
  return `repository:${path}:${actions.join(',')}`;
}

/**
 * Authentication state for one registry endpoint: the challenge it answered with, the credentials
 * to use, and Bearer tokens cached per scope set until they expire. Scopes only grow: a token is asked
 * for every scope the session needed so far, so one token keeps serving pull and push of several
 * repositories (re-authenticating when a request needs a scope the current token lacks).
 */
export class AuthSession {
  readonly host: string;
  private readonly http: HttpClient;
  private readonly loadCredentials: () => Promise<Credentials | undefined>;
  private credentials: Promise<Credentials | undefined> | undefined;
  private challenge: AuthChallenge | undefined;
  private readonly scopes = new Set<string>();
  private readonly tokens = new Map<string, Promise<CachedToken>>();

  constructor(options: {
    host: string;
    http: HttpClient;
    credentials: () => Promise<Credentials | undefined>;
  }) {
    this.host = options.host;
    this.http = options.http;
    this.loadCredentials = options.credentials;
  }

  /** The scheme the registry asked for, once known. */
  get scheme(): string | undefined {
    return this.challenge?.scheme;
  }

  private creds(): Promise<Credentials | undefined> {
    this.credentials ??= this.loadCredentials();
    return this.credentials;
  }

  /**
   * Learns from a 401 answer's WWW-Authenticate header (a Bearer challenge wins over Basic), and
   * forgets the token that was refused so the next authorization() asks for a fresh one.
   */
  learn(header: string | undefined, refused?: string): void {
    const challenges = parseWwwAuthenticate(header ?? '');
    const chosen =
      challenges.find((c) => c.scheme === 'bearer' && c.params.realm) ??
      challenges.find((c) => c.scheme === 'basic');
    if (chosen) this.challenge = chosen;
    if (chosen?.scheme === 'bearer' && chosen.params.scope) {
      for (const s of chosen.params.scope.split(' ')) if (s) this.scopes.add(s);
    }
    if (refused?.startsWith('Bearer ')) {
      const token = refused.slice('Bearer '.length);
      for (const [key, cached] of this.tokens) {
        cached.then(
          (c) => c.token === token && this.tokens.delete(key),
          () => undefined,
        );
      }
    }
  }

  /** The Authorization header value for a request needing `scopes`, or undefined for anonymous. */
  async authorization(scopes: readonly string[], signal?: AbortSignal): Promise<string | undefined> {
    const challenge = this.challenge;
    if (!challenge) return undefined;
    const creds = await this.creds();
    if (challenge.scheme === 'basic') {
      if (creds?.kind === 'basic') {
        return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      }
      return creds?.kind === 'registry-token' ? `Bearer ${creds.token}` : undefined;
    }
    if (challenge.scheme !== 'bearer') return undefined;
    if (creds?.kind === 'registry-token') return `Bearer ${creds.token}`;
    for (const s of scopes) this.scopes.add(s);
    const wanted = [...this.scopes].sort();
    const key = wanted.join(' ');
    let entry = this.tokens.get(key);
    if (entry) {
      const cached = await entry.catch(() => undefined);
      if (!cached || cached.expiresAt - EXPIRY_MARGIN_MS <= Date.now()) {
        if (this.tokens.get(key) === entry) this.tokens.delete(key);
        entry = undefined;
      }
    }
    if (!entry) {
      entry = this.fetchToken(challenge, wanted, creds, signal);
      this.tokens.set(key, entry);
      entry.catch(() => this.tokens.get(key) === entry && this.tokens.delete(key));
    }
    return `Bearer ${(await entry).token}`;
  }

  private async fetchToken(
    challenge: AuthChallenge,
    scopes: string[],
    creds: Credentials | undefined,
    signal?: AbortSignal,
  ): Promise<CachedToken> {
    let realm: URL;
    try {
      realm = new URL(challenge.params.realm ?? '');
      if (realm.protocol !== 'https:' && realm.protocol !== 'http:') throw new Error('not http');
    } catch {
      throw new RegistryError(
        'ERR_REGISTRY_PROTOCOL',
        `${this.host} sent a Bearer challenge without a usable realm`,
      );
    }
    const service = challenge.params.service;
    const what = `token for ${this.host} from ${safeUrl(realm)}`;
    let res: Awaited<ReturnType<HttpClient['send']>>;
    if (creds?.kind === 'identity-token') {
      // OAuth2 refresh-token grant, as `docker login` identity tokens are used.
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: creds.token,
        client_id: 'berth',
      });
      if (service) form.set('service', service);
      if (scopes.length) form.set('scope', scopes.join(' '));
      res = await this.http.send({
        method: 'POST',
        url: realm,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        signal,
      });
    } else {
      const url = new URL(realm);
      if (service) url.searchParams.set('service', service);
      for (const s of scopes) url.searchParams.append('scope', s);
      const headers: Record<string, string> = {};
      if (creds?.kind === 'basic') {
        url.searchParams.set('account', creds.username);
        headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      }
      res = await this.http.send({ method: 'GET', url, headers, signal });
    }
    if (res.status === 401 || res.status === 403) {
      await readErrorBody(res);
      throw new RegistryError(
        'ERR_REGISTRY_UNAUTHORIZED',
        `${what}: the token server refused ${creds ? 'the credentials' : 'anonymous access'} (${res.status})`,
        { status: res.status },
      );
    }
    if (res.status !== 200) throw errorFromResponse(res.status, await readErrorBody(res), { what });
    let doc: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown };
    try {
      doc = JSON.parse((await readBody(res, 1024 * 1024, what)).toString('utf8'));
    } catch (err) {
      if (err instanceof RegistryError) throw err;
      throw new RegistryError('ERR_REGISTRY_PROTOCOL', `${what}: the answer is not JSON`);
    }
    const token = typeof doc.token === 'string' && doc.token ? doc.token : doc.access_token;
    if (typeof token !== 'string' || !token) {
      throw new RegistryError('ERR_REGISTRY_PROTOCOL', `${what}: the answer has no token`);
    }
    const seconds =
      typeof doc.expires_in === 'number' && doc.expires_in > 0 ? doc.expires_in : DEFAULT_TOKEN_SECONDS;
    const issued = typeof doc.issued_at === 'string' ? Date.parse(doc.issued_at) : Number.NaN;
    const start = Number.isNaN(issued) || issued > Date.now() ? Date.now() : issued;
    return { token, expiresAt: start + seconds * 1000 };
  }
}
