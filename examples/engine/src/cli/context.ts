import { ApiClient } from './api-client.js';
import { resolveHost } from './host.js';

/** What every command needs: the daemon (connected lazily, after global flags are read) and our output. */
export interface CliContext {
  client(): ApiClient;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
}

export function createContext(hostFlag: () => string | undefined): CliContext {
  let client: ApiClient | undefined;
  return {
    client() {
      client ??= new ApiClient(
        resolveHost(hostFlag()),
        process.env.BERTH_API_VERSION || process.env.DOCKER_API_VERSION || undefined,
      );
      return client;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
  };
}
