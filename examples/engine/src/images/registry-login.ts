import { badRequest } from '../api/api-error.js';
import type { Daemon } from '../daemon/daemon.js';
import { type AuthConfig, toCredentials } from './registry-auth.js';

/** The Docker CLI's name for Docker Hub when no server is given. */
const DOCKER_HUB_LOGIN = 'https://index.docker.io/v1/';

/**
 * `POST /auth` (`docker login`): checks the credentials against the registry, as dockerd does, and
 * keeps nothing (the client stores them). A refusal is a 401 the CLI shows as the login failure.
 */
export async function login(
  daemon: Daemon,
  config: AuthConfig,
): Promise<{ Status: string; IdentityToken: string }> {
  const credentials = toCredentials(config);
  if (!credentials) throw badRequest('login: a username and password (or an identity token) are required');
  const server = config.serveraddress || DOCKER_HUB_LOGIN;
  const client = await daemon.registry({ credentials: async () => credentials });
  try {
    await client.checkLogin(server, { signal: daemon.shutdown.signal });
  } finally {
    await client.close();
  }
  return { Status: 'Login Succeeded', IdentityToken: '' };
}
