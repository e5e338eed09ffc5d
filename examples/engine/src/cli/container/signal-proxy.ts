import type { ApiClient } from '../api-client.js';

const PROXIED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/**
 * Docker's `--sig-proxy`: signals sent to the CLI go to the container instead (a TTY forwards ^C
 * itself). Answers how to stop proxying.
 */
export function proxySignals(client: ApiClient, id: string): () => void {
  const handlers = PROXIED.map((signal) => {
    const handler = () => {
      client
        .call('POST', `/containers/${encodeURIComponent(id)}/kill`, { query: { signal } })
        .catch(() => undefined);
    };
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });
  return () => {
    for (const off of handlers) off();
  };
}
