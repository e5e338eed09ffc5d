/** What a client may present to a registry. */
export type Credentials =
  | { kind: 'basic'; username: string; password: string }
  /** An identity (refresh) token from `docker login` with an OAuth registry; exchanged for access tokens. */
  | { kind: 'identity-token'; token: string; username?: string }
  /** A registry (bearer) token used as is. */
  | { kind: 'registry-token'; token: string };

/**
 * Finds credentials for a registry host (`127.0.0.1:5000`, `docker.io`, `ghcr.io`). Returns undefined
 * for anonymous access.
 */
export type CredentialProvider = (host: string) => Promise<Credentials | undefined>;

/** A provider backed by a fixed map of host → credentials. */
export function staticCredentials(map: Record<string, Credentials>): CredentialProvider {
  return async (host) => map[host];
}

/** Tries providers in order; the first that knows the host wins. */
export function chainCredentials(...providers: CredentialProvider[]): CredentialProvider {
  return async (host) => {
    for (const p of providers) {
      const found = await p(host);
      if (found) return found;
    }
    return undefined;
  };
}
