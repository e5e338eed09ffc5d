import { readdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { busyboxImage, type RegistryHandle, startRegistry, startSecureRegistry } from '@berth/fixtures';
import { OciLayout } from '@berth/image-spec';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type PullEvent, type PushEvent, RegistryClient, staticCredentials } from '../src/index.js';
import { Cleanup, seed } from './helpers.js';
import { makeImage } from './images.js';
import { isBlobGet, startProxy } from './proxy.js';

const cleanup = new Cleanup();
let registry: RegistryHandle;
let fixture: Awaited<ReturnType<typeof busyboxImage>>;

beforeAll(async () => {
  fixture = await busyboxImage();
  registry = await startRegistry();
  await seed(fixture.layout, `${registry.host}/t/busybox:latest`);
});
afterAll(() => registry.stop());
afterEach(() => cleanup.run());

function client(options: ConstructorParameters<typeof RegistryClient>[0] = {}) {
  const c = new RegistryClient({ retry: { minDelayMs: 10, maxDelayMs: 50 }, ...options });
  return cleanup.add(() => c.close(), c);
}
const layer = () => fixture.layers[0]!;

describe('downloads over a bad network', () => {
  it('resumes a blob cut off mid-transfer with a Range request, and verifies it', async () => {
    let cut = false;
    const proxy = await startProxy(registry.url, (req) => {
      if (!isBlobGet(req, layer().digest) || cut) return undefined;
      cut = true;
      return { kind: 'cut-response', afterBytes: 400_000 };
    });
    cleanup.add(() => proxy.stop());
    const layout = await OciLayout.init(await cleanup.tempDir());
    const events: PullEvent[] = [];
    await client().pull(`${proxy.host}/t/busybox`, { into: layout, onProgress: (e) => events.push(e) });
    const gets = proxy.requests.filter((r) => r.method === 'GET' && r.url.endsWith(layer().digest));
    expect(gets).toHaveLength(2);
    expect(gets[0]!.headers.range).toBeUndefined();
    const start = Number(/^bytes=(\d+)-$/.exec(String(gets[1]!.headers.range))?.[1]);
    expect(start).toBeGreaterThan(0);
    expect(start).toBeLessThanOrEqual(400_000);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'retrying', digest: layer().digest, done: start }),
    );
    expect(await layout.hasBlob(layer().digest)).toBe(true);
    expect((await layout.readImage(`${proxy.host}/t/busybox:latest`)).descriptor.digest).toBe(
      fixture.manifestDigest,
    );
  });

  it('fails with ERR_DIGEST_MISMATCH on corrupted bytes and stores nothing', async () => {
    const proxy = await startProxy(registry.url, (req) =>
      isBlobGet(req, layer().digest) ? { kind: 'corrupt-response', atByte: 1234 } : undefined,
    );
    cleanup.add(() => proxy.stop());
    const layout = await OciLayout.init(await cleanup.tempDir());
    await expect(client().pull(`${proxy.host}/t/busybox`, { into: layout })).rejects.toMatchObject({
      code: 'ERR_DIGEST_MISMATCH',
    });
    expect(await layout.hasBlob(layer().digest)).toBe(false);
    expect(await layout.hasBlob(fixture.manifestDigest)).toBe(false);
    expect((await layout.readIndex()).manifests).toEqual([]);
    expect(await readdir(join(layout.root, '.ingest')).catch(() => [])).toEqual([]);
  });

  it('retries 429 and 503 answers, waiting what Retry-After says', async () => {
    let manifests = 0;
    let blobs = 0;
    const proxy = await startProxy(registry.url, (req) => {
      if (req.url!.includes('/manifests/') && manifests++ === 0) {
        return {
          kind: 'respond',
          status: 429,
          headers: { 'retry-after': '1' },
          body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}',
        };
      }
      if (isBlobGet(req, layer().digest) && blobs++ < 2) return { kind: 'respond', status: 503 };
      return undefined;
    });
    cleanup.add(() => proxy.stop());
    const layout = await OciLayout.init(await cleanup.tempDir());
    await client().pull(`${proxy.host}/t/busybox`, { into: layout });
    const manifestTimes = proxy.requests.filter((r) => r.url.includes('/manifests/'));
    expect(manifestTimes).toHaveLength(2);
    expect(blobs).toBe(3);
    expect(await layout.hasBlob(layer().digest)).toBe(true);
  });

  it('honours Retry-After in time and gives up with ERR_TOO_MANY_REQUESTS', async () => {
    const times: number[] = [];
    const proxy = await startProxy(registry.url, (req) => {
      if (!req.url!.includes('/manifests/')) return undefined;
      times.push(Date.now());
      return { kind: 'respond', status: 429, headers: { 'retry-after': '1' } };
    });
    cleanup.add(() => proxy.stop());
    const c = client({ retry: { retries: 1, minDelayMs: 10 } });
    await expect(c.getManifest(`${proxy.host}/t/busybox:latest`)).rejects.toMatchObject({
      code: 'ERR_TOO_MANY_REQUESTS',
      status: 429,
    });
    expect(times).toHaveLength(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(950);
  });

  it('follows a redirect to blob storage without sending Authorization there', async () => {
    const secured = await startSecureRegistry({ basicAuth: { alice: 'alice-secret-pw' } });
    cleanup.add(() => secured.stop());
    const creds = staticCredentials({
      [secured.host]: { kind: 'basic', username: 'alice', password: 'alice-secret-pw' },
    });
    const source = await OciLayout.open(fixture.layout);
    await client({ credentials: creds }).push(`${secured.host}/r/busybox:latest`, {
      from: source,
      source: 'busybox:latest',
    });

    // "Storage": another origin serving the blob bytes, recording what it was sent.
    const storageSeen: Record<string, unknown>[] = [];
    const storage = createServer(async (req, res) => {
      storageSeen.push(req.headers);
      const stream = await source.openBlob(layer());
      res.writeHead(200, { 'content-length': String(layer().size) });
      stream.pipe(res);
    });
    await new Promise<void>((r) => storage.listen(0, '127.0.0.1', r));
    cleanup.add(() => new Promise((r) => storage.close(r)));
    const storageUrl = `http://localhost:${(storage.address() as AddressInfo).port}/bucket/${layer().digest}?sig=x`;
    const proxy = await startProxy(secured.url, (req) =>
      isBlobGet(req, layer().digest)
        ? { kind: 'respond', status: 307, headers: { location: storageUrl } }
        : undefined,
    );
    cleanup.add(() => proxy.stop());
    const layout = await OciLayout.init(await cleanup.tempDir());
    await client({
      credentials: staticCredentials({
        [proxy.host]: { kind: 'basic', username: 'alice', password: 'alice-secret-pw' },
      }),
    }).pull(`${proxy.host}/r/busybox`, { into: layout });
    expect(await layout.hasBlob(layer().digest)).toBe(true);
    expect(storageSeen).toHaveLength(1);
    expect(storageSeen[0]!.authorization).toBeUndefined();
    const redirected = proxy.requests.find((r) => isBlobPath(r.url, layer().digest));
    expect(redirected?.headers.authorization).toMatch(/^Basic /);
  });
});

describe('uploads over a bad network', () => {
  it('resumes a chunked upload from the offset the registry reports after a cut', async () => {
    const layout = await OciLayout.init(await cleanup.tempDir());
    const image = await makeImage(layout, 'big', [{ randomSize: 3 * 1024 * 1024 }]);
    let patches = 0;
    const proxy = await startProxy(registry.url, (req) =>
      req.method === 'PATCH' && ++patches === 2 ? { kind: 'cut-request', afterBytes: 300_000 } : undefined,
    );
    cleanup.add(() => proxy.stop());
    const events: PushEvent[] = [];
    await client().push(`${proxy.host}/resume/big:latest`, {
      from: layout,
      source: 'big',
      monolithicMax: 512 * 1024,
      chunkSize: 1024 * 1024,
      onProgress: (e) => events.push(e),
    });
    expect(events.some((e) => e.type === 'retrying')).toBe(true);
    const statusChecks = proxy.requests.filter(
      (r) => r.method === 'GET' && r.url.includes('/blobs/uploads/'),
    );
    expect(statusChecks.length).toBeGreaterThanOrEqual(1);
    // Less than a whole restart was sent again: 3 chunks + the resumed remainder, not 3 + 3.
    const patched = proxy.requests.filter((r) => r.method === 'PATCH');
    expect(patched.length).toBeLessThanOrEqual(5);
    expect(
      patched.some(
        (r) =>
          r.headers['content-range'] !== undefined && !/^\d+-\d+$/.test(String(r.headers['content-range'])),
      ),
    ).toBe(false);
    const back = await OciLayout.init(await cleanup.tempDir());
    const pulled = await client().pull(`${registry.host}/resume/big:latest`, { into: back });
    expect(pulled.layers[0]!.digest).toBe(image.layers[0]!.digest);
  });
});

function isBlobPath(url: string, digest: string) {
  return url.split('?')[0]!.endsWith(`/blobs/${digest}`);
}
