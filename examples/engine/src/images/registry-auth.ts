import type { CredentialProvider, Credentials } from '@berth/registry-client';
import { badRequest } from '../api/api-error.js';

/** Docker's AuthConfig, as `X-Registry-Auth` and `POST /auth` carry it. */
export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/**
 * The credentials a client sent in `X-Registry-Auth` (base64url JSON `{username, password,
 * serveraddress, identitytoken}`), for the registry of the image being pulled or pushed.
 * An absent or empty header means anonymous.
 */
export function credentialsFromHeader(header: string | string[] | undefined): CredentialProvider | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value || value.trim() === '') return undefined;
  let config: AuthConfig;
  try {
    // Node's base64 decoder takes both the URL-safe and the standard alphabet.
    config = JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as AuthConfig;
  } catch {
    throw badRequest('invalid X-Registry-Auth header: not base64-encoded JSON');
  }
  if (typeof config !== 'object' || config === null) return undefined;
  const credentials = toCredentials(config);
  return credentials ? async () => credentials : undefined;
}

export function toCredentials(config: AuthConfig): Credentials | undefined {
  if (config.registrytoken) return { kind: 'registry-token', token: config.registrytoken };
  if (config.identitytoken) {
    return {
      kind: 'identity-token',
      token: config.identitytoken,
      ...(config.username ? { username: config.username } : {}),
    };
  }
  let { username, password } = config;
  if (!username && config.auth) {
    const decoded = Buffer.from(config.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1);
    }
  }
  if (username && password !== undefined) return { kind: 'basic', username, password };
  return undefined;
}
