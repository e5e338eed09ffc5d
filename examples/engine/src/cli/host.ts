import { CliError } from './errors.js';

export const DEFAULT_SOCKET = '/run/berth/berth.sock';

/** Where the daemon is: `-H`, then `BERTH_HOST`, then `DOCKER_HOST`, then the default socket. */
export function resolveHost(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const host = flag || env.BERTH_HOST || env.DOCKER_HOST || `unix://${DEFAULT_SOCKET}`;
  return socketPathOf(host);
}

/** The socket path of a `unix://PATH` host (berth speaks only to Unix sockets). */
export function socketPathOf(host: string): string {
  if (host.startsWith('unix://')) {
    const path = host.slice('unix://'.length);
    if (!path) throw new CliError(`invalid host: ${host}: no socket path`);
    return path;
  }
  if (host.startsWith('/')) return host;
  throw new CliError(`unsupported host: ${host} (berth connects to unix://PATH sockets only)`);
}
