import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { busyboxImage, startSecureRegistry, startTokenServer } from '@berth/fixtures';
import { OciLayout } from '@berth/image-spec';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  credentialHelperGet,
  dockerConfigCredentials,
  isRegistryError,
  RegistryClient,
  staticCredentials,
} from '../src/index.js';
import { Cleanup } from './helpers.js';

const cleanup = new Cleanup();
let fixture: Awaited<ReturnType<typeof busyboxImage>>;
let source: OciLayout;
beforeAll(async () => {
  fixture = await busyboxImage();
  source = await OciLayout.open(fixture.layout);
});
afterEach(() => cleanup.run());

function client(options: ConstructorParameters<typeof RegistryClient>[0] = {}) {
  const c = new RegistryClient({ retry: { minDelayMs: 10, retries: 1 }, ...options });
  return cleanup.add(() => c.close(), c);
}

/** Every text an error exposes: message, stack, causes, own fields. */
function everything(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    parts.push(String((e as Error).message), String((e as Error).stack));
    try {
      parts.push(JSON.stringify(e));
    } catch {
      // cyclic: fine
    }
  }
  return parts.join('\n');
}

function secretForms(secret: string): string[] {
  return [secret, Buffer.from(secret).toString('base64'), Buffer.from(`alice:${secret}`).toString('base64')];
}

describe('htpasswd Basic auth', () => {
  it('pushes and pulls with credentials; refuses anonymous and wrong ones without leaking them', async () => {
    const registry = await startSecureRegistry({ basicAuth: { alice: 'correct-horse-battery' } });
    cleanup.add(() => registry.stop());
    const good = client({
      credentials: staticCredentials({
        [registry.host]: { kind: 'basic', username: 'alice', password: 'correct-horse-battery' },
      }),
    });
    await good.push(`${registry.host}/private/busybox:latest`, { from: source, source: 'busybox:latest' });
    const layout = await OciLayout.init(await cleanup.tempDir());
    const pulled = await good.pull(`${registry.host}/private/busybox`, { into: layout });
    expect(pulled.manifest.digest).toBe(fixture.manifestDigest);

    const anonymous = await client()
      .getManifest(`${registry.host}/private/busybox:latest`)
      .catch((e: unknown) => e);
    expect(isRegistryError(anonymous, 'ERR_REGISTRY_UNAUTHORIZED')).toBe(true);
    expect((anonymous as Error).message).toMatch(/requires authentication/);

    const wrongPassword = 'wrong-password-4711';
    const wrong = await client({
      credentials: staticCredentials({
        [registry.host]: { kind: 'basic', username: 'alice', password: wrongPassword },
      }),
    })
      .pull(`${registry.host}/private/busybox`, { into: layout })
      .catch((e: unknown) => e);
    expect(isRegistryError(wrong, 'ERR_REGISTRY_UNAUTHORIZED')).toBe(true);
    for (const form of secretForms(wrongPassword)) expect(everything(wrong)).not.toContain(form);

    // `docker login`: the right credentials pass, wrong or missing ones are refused.
    await good.checkLogin(registry.host);
    await good.checkLogin(`https://${registry.host}/`);
    const refused = await client({
      credentials: staticCredentials({
        [registry.host]: { kind: 'basic', username: 'alice', password: wrongPassword },
      }),
    })
      .checkLogin(registry.host)
      .catch((e: unknown) => e);
    expect(isRegistryError(refused, 'ERR_REGISTRY_UNAUTHORIZED')).toBe(true);
    expect(
      isRegistryError(
        await client()
          .checkLogin(registry.host)
          .catch((e: unknown) => e),
        'ERR_REGISTRY_UNAUTHORIZED',
      ),
    ).toBe(true);
  });
});

describe('Bearer token auth', () => {
  async function tokenRegistry(options: Parameters<typeof startTokenServer>[0] = {}) {
    const tokens = await startTokenServer({ users: { bob: 'bobs-token-pw' }, ...options });
    cleanup.add(() => tokens.stop());
    const registry = await startSecureRegistry({ tokenAuth: tokens });
    cleanup.add(() => registry.stop());
    return { tokens, registry };
  }

  it('gets scoped tokens, caches them, and asks again when the scope grows', async () => {
    const { tokens, registry } = await tokenRegistry();
    const c = client({
      credentials: staticCredentials({
        [registry.host]: { kind: 'basic', username: 'bob', password: 'bobs-token-pw' },
      }),
    });
    await c.push(`${registry.host}/team/one:latest`, { from: source, source: 'busybox:latest' });
    const afterPush = tokens.requests.length;
    expect(tokens.requests.at(-1)).toMatchObject({ user: 'bob', service: tokens.service });
    expect(tokens.requests.at(-1)!.scopes).toContain('repository:team/one:pull,push');

    // Same scopes: the cached token serves.
    await c.push(`${registry.host}/team/one:again`, { from: source, source: 'busybox:latest' });
    expect(tokens.requests.length).toBe(afterPush);

    // A new repository (and a mount from the first): one new token covering everything so far.
    await c.push(`${registry.host}/team/two:latest`, {
      from: source,
      source: 'busybox:latest',
      mountFrom: ['team/one'],
    });
    const grown = tokens.requests.at(-1)!.scopes;
    expect(grown).toEqual(
      expect.arrayContaining(['repository:team/one:pull,push', 'repository:team/two:pull,push']),
    );
    const layout = await OciLayout.init(await cleanup.tempDir());
    await c.pull(`${registry.host}/team/two`, { into: layout });
    expect(await layout.hasBlob(fixture.layers[0]!.digest)).toBe(true);
  });

  it('uses anonymous tokens when no credentials are given, and fails cleanly when refused', async () => {
    const { registry } = await tokenRegistry({ anonymous: ['pull'] });
    const writer = client({
      credentials: staticCredentials({
        [registry.host]: { kind: 'basic', username: 'bob', password: 'bobs-token-pw' },
      }),
    });
    await writer.push(`${registry.host}/public/busybox:latest`, { from: source, source: 'busybox:latest' });
    const anonymous = client();
    const layout = await OciLayout.init(await cleanup.tempDir());
    await anonymous.pull(`${registry.host}/public/busybox`, { into: layout });
    const denied = await anonymous
      .push(`${registry.host}/public/other:latest`, { from: source, source: 'busybox:latest' })
      .catch((e: unknown) => e);
    expect(isRegistryError(denied, 'ERR_REGISTRY_UNAUTHORIZED')).toBe(true);

    const wrongPassword = 'bobs-wrong-pw-0815';
    const wrong = await client({
      credentials: staticCredentials({
        [registry.host]: { kind: 'basic', username: 'bob', password: wrongPassword },
      }),
    })
      .getManifest(`${registry.host}/public/busybox:latest`)
      .catch((e: unknown) => e);
    expect(isRegistryError(wrong, 'ERR_REGISTRY_UNAUTHORIZED')).toBe(true);
    expect((wrong as Error).message).toMatch(/token server refused the credentials/);
    for (const form of secretForms(wrongPassword)) expect(everything(wrong)).not.toContain(form);

    // `docker login` against the token server: a token is fetched with the credentials.
    await writer.checkLogin(registry.host);
    const refused = await client({
      credentials: staticCredentials({
        [registry.host]: { kind: 'basic', username: 'bob', password: wrongPassword },
      }),
    })
      .checkLogin(registry.host)
      .catch((e: unknown) => e);
    expect(isRegistryError(refused, 'ERR_REGISTRY_UNAUTHORIZED')).toBe(true);
  });

  it('reads credentials from a Docker config: credHelpers with an identity token, and auths', async () => {
    const { tokens, registry } = await tokenRegistry({ identityTokens: { 'identity-token-xyz': 'bob' } });
    const dir = await cleanup.tempDir();
    const bin = join(dir, 'bin');
    await mkdir(bin);
    const helper = join(bin, 'docker-credential-berthtest');
    await writeFile(
      helper,
      `#!/bin/sh\nread server\nif [ "$1" = get ] && [ "$server" = "${registry.host}" ]; then\n  echo '{"ServerURL":"'"$server"'","Username":"<token>","Secret":"identity-token-xyz"}'\nelse\n  echo "credentials not found in native keychain"; exit 1\nfi\n`,
    );
    await chmod(helper, 0o755);
    const configDir = join(dir, 'docker');
    await mkdir(configDir);
    await writeFile(
      join(configDir, 'config.json'),
      JSON.stringify({ credHelpers: { [registry.host]: 'berthtest' } }),
    );
    const c = client({
      credentials: dockerConfigCredentials({ configDir, helperPath: `${bin}:/usr/bin:/bin` }),
    });
    await c.push(`${registry.host}/idtok/busybox:latest`, { from: source, source: 'busybox:latest' });
    expect(tokens.requests.at(-1)).toMatchObject({ method: 'POST', user: 'bob' });

    // auths with base64 user:password, with the scheme and path Docker writes.
    await writeFile(
      join(configDir, 'config.json'),
      JSON.stringify({
        auths: {
          [`https://${registry.host}/v1/`]: { auth: Buffer.from('bob:bobs-token-pw').toString('base64') },
        },
      }),
    );
    const c2 = client({ credentials: dockerConfigCredentials({ configDir }) });
    const layout = await OciLayout.init(await cleanup.tempDir());
    await c2.pull(`${registry.host}/idtok/busybox`, { into: layout });
    expect(tokens.requests.at(-1)).toMatchObject({ method: 'GET', user: 'bob' });

    // Helpers: "not found" is no credentials; a failing helper is ERR_CREDENTIALS without its output.
    expect(await credentialHelperGet('berthtest', 'elsewhere:5000', { path: bin })).toBeUndefined();
    const broken = join(bin, 'docker-credential-broken');
    await writeFile(broken, '#!/bin/sh\necho "oops identity-token-xyz"\nexit 3\n');
    await chmod(broken, 0o755);
    const failure = await credentialHelperGet('broken', registry.host, { path: bin }).catch(
      (e: unknown) => e,
    );
    expect(isRegistryError(failure, 'ERR_CREDENTIALS')).toBe(true);
    expect(everything(failure)).not.toContain('identity-token-xyz');
    await expect(credentialHelperGet('../evil', 'x')).rejects.toMatchObject({ code: 'ERR_CREDENTIALS' });
  });
});
