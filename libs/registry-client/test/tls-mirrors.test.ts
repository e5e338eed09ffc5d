import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  busyboxImage,
  makeTestCa,
  type RegistryHandle,
  startRegistry,
  startSecureRegistry,
  type TestCa,
} from '@berth/fixtures';
import { OciLayout } from '@berth/image-spec';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isRegistryError, type PullEvent, RegistryClient } from '../src/index.js';
import { Cleanup, seed } from './helpers.js';
import { startProxy } from './proxy.js';

const cleanup = new Cleanup();
let fixture: Awaited<ReturnType<typeof busyboxImage>>;
afterEach(() => cleanup.run());
beforeAll(async () => {
  fixture = await busyboxImage();
});

function client(options: ConstructorParameters<typeof RegistryClient>[0] = {}) {
  const c = new RegistryClient({ retry: { minDelayMs: 10, retries: 1 }, certsDir: false, ...options });
  return cleanup.add(() => c.close(), c);
}

describe('TLS with a self-signed CA', () => {
  let ca: TestCa;
  let registry: RegistryHandle;
  beforeAll(async () => {
    ca = await makeTestCa();
    registry = await startSecureRegistry({ tls: ca });
    await seed(fixture.layout, `${registry.host}/tls/busybox:latest`);
  });
  afterAll(async () => {
    await registry.stop();
    await ca.remove();
  });

  it('trusts the CA given for the host', async () => {
    const layout = await OciLayout.init(await cleanup.tempDir());
    const c = client({ hosts: { [registry.host]: { ca: ca.caCert, insecure: false } } });
    const result = await c.pull(`${registry.host}/tls/busybox`, { into: layout });
    expect(result.manifest.digest).toBe(fixture.manifestDigest);
  });

  it('trusts a CA from a certs.d directory', async () => {
    const certsDir = await cleanup.tempDir();
    await mkdir(join(certsDir, registry.host));
    await writeFile(join(certsDir, registry.host, 'ca.crt'), ca.caCert);
    const c = client({ certsDir, hosts: { [registry.host]: { insecure: false } } });
    expect((await c.resolve(`${registry.host}/tls/busybox`)).digest).toBe(fixture.manifestDigest);
  });

  it('refuses an unknown CA with ERR_REGISTRY_TLS unless the registry is insecure', async () => {
    const strict = client({ hosts: { [registry.host]: { insecure: false } } });
    const err = await strict.resolve(`${registry.host}/tls/busybox`).catch((e: unknown) => e);
    expect(isRegistryError(err, 'ERR_REGISTRY_TLS')).toBe(true);
    const insecure = client({ insecureRegistries: [registry.host] });
    expect((await insecure.resolve(`${registry.host}/tls/busybox`)).digest).toBe(fixture.manifestDigest);
  });
});

describe('mirrors', () => {
  let upstream: RegistryHandle;
  let mirror: RegistryHandle;
  beforeAll(async () => {
    [upstream, mirror] = await Promise.all([startRegistry(), startRegistry()]);
    await seed(fixture.layout, `${upstream.host}/library/busybox:latest`);
    await seed(fixture.layout, `${mirror.host}/library/busybox:latest`);
  });
  afterAll(async () => {
    await upstream.stop();
    await mirror.stop();
  });

  it('falls back from a failing mirror and one without the image to the registry', async () => {
    const broken = await startProxy(upstream.url, () => ({ kind: 'respond', status: 503 }));
    cleanup.add(() => broken.stop());
    const empty = await startRegistry();
    cleanup.add(() => empty.stop());
    const c = client({ hosts: { [upstream.host]: { mirrors: [broken.url, empty.url] } } });
    const events: PullEvent[] = [];
    const layout = await OciLayout.init(await cleanup.tempDir());
    const result = await c.pull(`${upstream.host}/library/busybox`, {
      into: layout,
      onProgress: (e) => events.push(e),
    });
    expect(result.endpoint).toBe(upstream.host);
    expect(events.filter((e) => e.type === 'fallback').map((e) => (e as { from: string }).from)).toEqual([
      broken.host,
      empty.host,
    ]);
    expect(broken.requests.length).toBeGreaterThan(0);
  });

  it('sends Docker Hub pulls to registry-mirrors first, and to the registry when the mirror fails', async () => {
    const layout = await OciLayout.init(await cleanup.tempDir());
    // The "Docker Hub" here is the local upstream, so nothing leaves the machine.
    const viaMirror = client({
      registryMirrors: [mirror.url],
      hosts: { 'docker.io': { endpoint: upstream.url } },
    });
    const served = await viaMirror.pull('busybox', { into: layout });
    expect(served.endpoint).toBe(mirror.host);
    expect(served.reference).toBe('docker.io/library/busybox:latest');
    expect((await layout.readImage('busybox:latest')).descriptor.digest).toBe(fixture.manifestDigest);

    const dead = await startProxy(mirror.url, () => ({ kind: 'respond', status: 500 }));
    cleanup.add(() => dead.stop());
    const fallback = client({
      registryMirrors: [dead.url],
      hosts: { 'docker.io': { endpoint: upstream.url } },
    });
    const result = await fallback.pull('busybox:latest', { into: layout, tag: false });
    expect(result.endpoint).toBe('docker.io');
    // Mirrors apply to Docker Hub only.
    const other = await fallback.resolve(`${upstream.host}/library/busybox`);
    expect(other.digest).toBe(fixture.manifestDigest);
    expect(dead.requests.every((r) => !r.url.includes(upstream.host))).toBe(true);
  });
});
