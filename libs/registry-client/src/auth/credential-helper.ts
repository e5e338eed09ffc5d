import { spawn } from 'node:child_process';
import { RegistryError } from '../errors.js';
import type { Credentials } from './credentials.js';

const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const MAX_OUTPUT = 1024 * 1024;

export interface CredentialHelperOptions {
  /** PATH used to find `docker-credential-<name>` (default: process.env.PATH). */
  path?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Asks `docker-credential-<helper> get` for the credentials of `serverUrl` (the docker-credential-helpers
 * protocol). A Username of `<token>` means the Secret is an identity token. Returns undefined when the
 * helper has none. Failures never carry the helper's output, which may hold secrets.
 */
export async function credentialHelperGet(
  helper: string,
  serverUrl: string,
  options: CredentialHelperOptions = {},
): Promise<Credentials | undefined> {
  if (!HELPER_NAME.test(helper)) {
    throw new RegistryError('ERR_CREDENTIALS', `invalid credential helper name ${JSON.stringify(helper)}`);
  }
  const program = `docker-credential-${helper}`;
  const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
    const child = spawn(program, ['get'], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PATH: options.path ?? process.env.PATH ?? '' },
      timeout: options.timeoutMs ?? 30_000,
      signal: options.signal,
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (out.length < MAX_OUTPUT) out += d;
    });
    child.stderr.resume();
    child.once('error', (err) =>
      reject(
        (err as { name?: string }).name === 'AbortError'
          ? err
          : new RegistryError(
              'ERR_CREDENTIALS',
              `cannot run ${program}: ${(err as { code?: string }).code ?? 'failed'}`,
            ),
      ),
    );
    child.once('close', (exit) => resolve({ code: exit, stdout: out }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(serverUrl);
  });
  if (code !== 0) {
    if (/credentials not found/i.test(stdout)) return undefined;
    throw new RegistryError('ERR_CREDENTIALS', `${program} get failed with exit code ${code}`);
  }
  let doc: { Username?: unknown; Secret?: unknown };
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new RegistryError('ERR_CREDENTIALS', `${program} get printed something that is not JSON`);
  }
  if (typeof doc.Secret !== 'string' || doc.Secret === '') return undefined;
  const username = typeof doc.Username === 'string' ? doc.Username : '';
  return username === '<token>'
    ? { kind: 'identity-token', token: doc.Secret }
    : { kind: 'basic', username, password: doc.Secret };
}
