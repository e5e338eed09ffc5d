import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { RegistryError } from '../errors.js';
import { credentialHelperGet } from './credential-helper.js';
import type { CredentialProvider, Credentials } from './credentials.js';

/** The parts of Docker's `config.json` that hold credentials. */
export interface DockerConfigFile {
  auths?: Record<
    string,
    {
      auth?: string;
      username?: string;
      password?: string;
      identitytoken?: string;
      registrytoken?: string;
    }
  >;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/** The key Docker files Docker Hub credentials under. */
export const DOCKER_HUB_AUTH_KEY = 'https://index.docker.io/v1/';
const DOCKER_HUB_HOSTS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

export interface DockerConfigOptions {
  /** The directory holding config.json (default `$DOCKER_CONFIG`, else `~/.docker`). */
  configDir?: string;
  /** PATH for `docker-credential-*` helpers (default: process.env.PATH). */
  helperPath?: string;
}

/** Reads `config.json`; a missing file is an empty config, a malformed one an ERR_CREDENTIALS. */
export async function readDockerConfig(options: DockerConfigOptions = {}): Promise<DockerConfigFile> {
  const dir = options.configDir ?? process.env.DOCKER_CONFIG ?? join(homedir(), '.docker');
  const file = join(dir, 'config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return {};
  }
  try {
    const doc = JSON.parse(text) as unknown;
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not an object');
    return doc as DockerConfigFile;
  } catch {
    // The message must not quote the file: it holds secrets.
    throw new RegistryError('ERR_CREDENTIALS', `${file} is not valid JSON`);
  }
}

/** How an `auths` key or credHelpers key names a host: scheme and path dropped, Hub aliases unified. */
export function normalizeAuthKey(key: string): string {
  const host = key
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  return DOCKER_HUB_HOSTS.has(host) ? 'docker.io' : host;
}

/**
 * A CredentialProvider that answers the way the Docker CLI does: `credHelpers[host]`, else the
 * `credsStore` helper, else the `auths` entry (`auth` = base64 `user:password`, `identitytoken`,
 * `registrytoken`). The file is read on every lookup, so `docker login` elsewhere is picked up.
 */
export function dockerConfigCredentials(options: DockerConfigOptions = {}): CredentialProvider {
  return async (host) => {
    const config = await readDockerConfig(options);
    const wanted = normalizeAuthKey(host);
    const serverUrl = wanted === 'docker.io' ? DOCKER_HUB_AUTH_KEY : wanted;
    const helper =
      Object.entries(config.credHelpers ?? {}).find(([k]) => normalizeAuthKey(k) === wanted)?.[1] ??
      config.credsStore;
    if (helper) {
      const found = await credentialHelperGet(helper, serverUrl, { path: options.helperPath });
      if (found) return found;
    }
    const entry = Object.entries(config.auths ?? {}).find(([k]) => normalizeAuthKey(k) === wanted)?.[1];
    return entry ? fromAuthEntry(entry, host) : undefined;
  };
}

function fromAuthEntry(
  entry: NonNullable<DockerConfigFile['auths']>[string],
  host: string,
): Credentials | undefined {
  if (entry.registrytoken) return { kind: 'registry-token', token: entry.registrytoken };
  let username = entry.username;
  let password = entry.password;
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0)
      throw new RegistryError('ERR_CREDENTIALS', `the auth entry for ${host} is not base64 user:password`);
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  if (entry.identitytoken) return { kind: 'identity-token', token: entry.identitytoken, username };
  if (username !== undefined && password !== undefined && (username || password)) {
    return { kind: 'basic', username, password };
  }
  return undefined;
}
