import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { promisify } from 'node:util';
import type { ImageFixture } from '@berth/fixtures';

const run = promisify(execFile);

/** Copies a fixture's OCI layout into a (plain HTTP, loopback) registry as `repo:tag`, with skopeo. */
export async function pushFixture(host: string, fixture: ImageFixture, repoAndTag: string): Promise<void> {
  await run('skopeo', [
    'copy',
    '--quiet',
    '--dest-tls-verify=false',
    `oci:${fixture.layout}:latest`,
    `docker://${host}/${repoAndTag}`,
  ]);
}

/** A raw Engine API request over the daemon's socket: status and body as text. */
export function apiRequest(
  socketPath: string,
  method: string,
  path: string,
  options: { body?: Buffer | string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          headers: res.headers,
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Docker's JSON-lines progress stream, parsed. */
export function jsonLines(body: string): Record<string, unknown>[] {
  return body
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
