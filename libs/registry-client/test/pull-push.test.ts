import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { busyboxImage, type RegistryHandle, startRegistry } from '@berth/fixtures';
import { digestOf, hostPlatform, isImageSpecError, MediaType, OciLayout } from '@berth/image-spec';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isRegistryError, type PullEvent, type PushEvent, RegistryClient } from '../src/index.js';
import { Cleanup, seed, skopeo } from './helpers.js';
import { busyboxLayer, makeImage } from './images.js';
import { startProxy } from './proxy.js';

const cleanup = new Cleanup();
let registry: RegistryHandle;
let fixture: Awaited<ReturnType<typeof busyboxImage>>;

beforeAll(async () => {
  fixture = await busyboxImage();
  registry = await startRegistry();
  await seed(fixture.layout, `${registry.host}/seeded/busybox:latest`);
});
afterAll(() => registry.stop());
afterEach(() => cleanup.run());

function client(options: ConstructorParameters<typeof RegistryClient>[0] = {}) {
  const c = new RegistryClient({ retry: { minDelayMs: 10 }, ...options });
  return cleanup.add(() => c.close(), c);
}

async function newLayout() {
  return OciLayout.init(await cleanup.tempDir());
}

describe('anonymous pull', () => {
  it('pulls an image skopeo pushed, verified, and names it in the layout', async () => {
    const layout = await newLayout();
    const events: PullEvent[] = [];
    const result = await client().pull(`${registry.host}/seeded/busybox`, {
      into: layout,
      onProgress: (e) => events.push(e),
    });
    expect(result.manifest.digest).toBe(fixture.manifestDigest);
    expect(result.layers.map((l) => l.digest)).toEqual(fixture.layers.map((l) => l.digest));
    const image = await layout.readImage(`${registry.host}/seeded/busybox:latest`);
    expect(image.descriptor.digest).toBe(fixture.manifestDigest);
    const layer = fixture.layers[0]!;
    const kinds = events.filter((e) => 'digest' in e && e.digest === layer.digest).map((e) => e.type);
    expect(kinds[0]).toBe('waiting');
    expect(kinds).toContain('downloading');
    expect(kinds.slice(-2)).toEqual(['verifying', 'done']);
    const last = events.filter((e) => e.type === 'downloading' && e.digest === layer.digest).at(-1);
    expect(last).toMatchObject({ done: layer.size, total: layer.size });
    expect(await readdir(join(layout.root, '.ingest')).catch(() => [])).toEqual([]);
  });

  it('skips blobs the store has, and resolves tags and digests', async () => {
    const layout = await newLayout();
    const c = client();
    await c.pull(`${registry.host}/seeded/busybox:latest`, { into: layout });
    const events: PullEvent[] = [];
    await c.pull(`${registry.host}/seeded/busybox@${fixture.manifestDigest}`, {
      into: layout,
      onProgress: (e) => events.push(e),
    });
    expect(events.filter((e) => e.type === 'exists')).toHaveLength(2);
    expect(events.some((e) => e.type === 'downloading')).toBe(false);
    const desc = await c.resolve(`${registry.host}/seeded/busybox:latest`);
    expect(desc).toEqual({
      mediaType: MediaType.ImageManifest,
      digest: fixture.manifestDigest,
      size: fixture.manifestSize,
    });
  });

  it('fails clearly for unknown names and tags', async () => {
    const c = client();
    const layout = await newLayout();
    await expect(c.pull(`${registry.host}/seeded/busybox:nope`, { into: layout })).rejects.toMatchObject({
      code: 'ERR_MANIFEST_UNKNOWN',
    });
    await expect(c.getManifest(`${registry.host}/nothing/here:latest`)).rejects.toSatisfy(
      (e) => isRegistryError(e) && ['ERR_NAME_UNKNOWN', 'ERR_MANIFEST_UNKNOWN'].includes(e.code),
    );
    expect(JSON.parse(await readFileText(join(layout.root, 'index.json'))).manifests).toEqual([]);
  });

  it('refuses a Docker schema1 manifest with ERR_SCHEMA1_UNSUPPORTED', async () => {
    const proxy = await startProxy(registry.url, (req) =>
      req.url!.includes('/manifests/')
        ? {
            kind: 'respond',
            status: 200,
            headers: { 'content-type': MediaType.DockerSchema1SignedManifest },
            body: JSON.stringify({ schemaVersion: 1, name: 'old', tag: 'latest', fsLayers: [] }),
          }
        : undefined,
    );
    cleanup.add(() => proxy.stop());
    await expect(client().getManifest(`${proxy.host}/seeded/busybox:latest`)).rejects.toSatisfy((e) =>
      isImageSpecError(e, 'ERR_SCHEMA1_UNSUPPORTED'),
    );
  });

  it('streams a blob verified through fetchBlob', async () => {
    const layer = fixture.layers[0]!;
    const chunks: Buffer[] = [];
    for await (const c of client().fetchBlob(`${registry.host}/seeded/busybox`, layer)) chunks.push(c);
    expect(digestOf(Buffer.concat(chunks))).toBe(layer.digest);
    expect(await client().hasBlob(`${registry.host}/seeded/busybox`, layer.digest)).toBe(true);
  });

  it('stops at once when aborted, leaving nothing named', async () => {
    const proxy = await startProxy(registry.url, (req) =>
      req.url!.includes('/blobs/') ? { kind: 'delay', ms: 5_000 } : undefined,
    );
    cleanup.add(() => proxy.stop());
    const layout = await newLayout();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    await expect(
      client().pull(`${proxy.host}/seeded/busybox`, { into: layout, signal: controller.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect((await layout.readIndex()).manifests).toEqual([]);
  });
});

describe('push', () => {
  it('pushes from an OCI layout; skopeo inspects and copies the result', async () => {
    const source = await OciLayout.open(fixture.layout);
    const events: PushEvent[] = [];
    const c = client();
    const result = await c.push(`${registry.host}/pushed/busybox:v1`, {
      from: source,
      source: 'busybox:latest',
      onProgress: (e) => events.push(e),
    });
    expect(result.descriptor.digest).toBe(fixture.manifestDigest);
    expect(events.filter((e) => e.type === 'done')).toHaveLength(2);
    const inspected = JSON.parse(
      await skopeo('inspect', '--tls-verify=false', `docker://${registry.host}/pushed/busybox:v1`),
    );
    expect(inspected.Digest).toBe(fixture.manifestDigest);
    expect(inspected.Layers).toEqual(fixture.layers.map((l) => l.digest));
    const out = await cleanup.tempDir();
    await skopeo(
      'copy',
      '-q',
      '--src-tls-verify=false',
      `docker://${registry.host}/pushed/busybox:v1`,
      `oci:${out}:copied`,
    );
    const copied = await (await OciLayout.open(out)).readImage('copied');
    expect(copied.descriptor.digest).toBe(fixture.manifestDigest);

    // A second push finds every blob there already.
    const again: PushEvent[] = [];
    await c.push(`${registry.host}/pushed/busybox:v2`, {
      from: source,
      source: 'busybox:latest',
      onProgress: (e) => again.push(e),
    });
    expect(again.filter((e) => e.type === 'exists')).toHaveLength(2);
    expect(again.some((e) => e.type === 'uploading')).toBe(false);
  });

  it('mounts blobs from another repository instead of uploading them', async () => {
    const source = await OciLayout.open(fixture.layout);
    const c = client();
    await c.push(`${registry.host}/mount/one:latest`, { from: source, source: 'busybox:latest' });
    const events: PushEvent[] = [];
    await c.push(`${registry.host}/mount/two:latest`, {
      from: source,
      source: 'busybox:latest',
      mountFrom: ['mount/one'],
      onProgress: (e) => events.push(e),
    });
    expect(events.filter((e) => e.type === 'mounted')).toHaveLength(2);
    expect(events.some((e) => e.type === 'uploading')).toBe(false);
  });

  it('pushes an index with its manifests; a pull picks the host platform', async () => {
    const layout = await newLayout();
    const layer = await busyboxLayer(fixture);
    const a = await makeImage(layout, 'a', [layer]);
    const b = await makeImage(layout, 'b', [layer, { randomSize: 1000 }]);
    const host = hostPlatform();
    const index = await layout.writeJson(
      {
        schemaVersion: 2,
        mediaType: MediaType.ImageIndex,
        manifests: [
          {
            ...b.manifest,
            platform: { os: 'linux', architecture: host.architecture === 'arm64' ? 'amd64' : 'arm64' },
          },
          { ...a.manifest, platform: { os: host.os, architecture: host.architecture } },
        ],
      },
      MediaType.ImageIndex,
    );
    const c = client();
    const pushed = await c.push(`${registry.host}/multi/image:latest`, { from: layout, source: index });
    expect(pushed.descriptor.digest).toBe(index.digest);
    const raw = JSON.parse(
      await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/multi/image:latest`),
    );
    expect(raw.manifests).toHaveLength(2);
    const into = await newLayout();
    const pulled = await c.pull(`${registry.host}/multi/image:latest`, { into });
    expect(pulled.descriptor.digest).toBe(index.digest);
    expect(pulled.manifest.digest).toBe(a.manifest.digest);
    expect(await into.hasBlob(b.layers[1]!.digest)).toBe(false);
    const other = await c.pull(`${registry.host}/multi/image:latest`, {
      into,
      platform: `linux/${host.architecture === 'arm64' ? 'amd64' : 'arm64'}`,
      tag: 'other',
    });
    expect(other.manifest.digest).toBe(b.manifest.digest);
  });

  it('uploads big blobs in chunks', async () => {
    const layout = await newLayout();
    const image = await makeImage(layout, 'big', [{ randomSize: 3 * 1024 * 1024 + 17 }]);
    const proxy = await startProxy(registry.url);
    cleanup.add(() => proxy.stop());
    await client().push(`${proxy.host}/chunked/big:latest`, {
      from: layout,
      source: 'big',
      monolithicMax: 512 * 1024,
      chunkSize: 1024 * 1024,
    });
    expect(proxy.requests.filter((r) => r.method === 'PATCH')).toHaveLength(4);
    const back = await newLayout();
    const pulled = await client().pull(`${registry.host}/chunked/big:latest`, { into: back });
    expect(pulled.manifest.digest).toBe(image.manifest.digest);
  });
});

describe('listing, referrers, deleting', () => {
  it('lists tags across pages and the catalog', async () => {
    const source = await OciLayout.open(fixture.layout);
    const c = client();
    for (const tag of ['a', 'b', 'c', 'd', 'e']) {
      await c.push(`${registry.host}/tags/list:${tag}`, { from: source, source: 'busybox:latest' });
    }
    expect((await c.listTags(`${registry.host}/tags/list`)).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    // distribution 2.8 pages the catalog (Link: rel="next") but not tag lists.
    const proxy = await startProxy(registry.url, (req) => {
      const url = new URL(req.url!, 'http://x');
      if (!url.pathname.endsWith('/tags/list')) return undefined;
      const last = url.searchParams.get('last');
      const page = last === null ? ['a', 'b'] : last === 'b' ? ['c', 'd'] : ['e'];
      const next: Record<string, string> =
        page.at(-1) === 'e' ? {} : { link: `<${url.pathname}?n=2&last=${page.at(-1)}>; rel="next"` };
      return {
        kind: 'respond',
        status: 200,
        headers: { 'content-type': 'application/json', ...next },
        body: JSON.stringify({ name: 'tags/list', tags: page }),
      };
    });
    cleanup.add(() => proxy.stop());
    const pages: string[][] = [];
    for await (const page of c.tagPages(`${proxy.host}/tags/list`, { pageSize: 2 })) pages.push(page);
    expect(pages).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(proxy.requests.map((r) => r.url)).toEqual([
      '/v2/',
      '/v2/tags/list/tags/list?n=2',
      '/v2/tags/list/tags/list?n=2&last=b',
      '/v2/tags/list/tags/list?n=2&last=d',
    ]);
    const catalogProxy = await startProxy(registry.url);
    cleanup.add(() => catalogProxy.stop());
    const names = await c.catalog(catalogProxy.host, { pageSize: 1 });
    expect(names).toContain('tags/list');
    expect(
      catalogProxy.requests.filter((r) => r.url.startsWith('/v2/_catalog')).length,
    ).toBeGreaterThanOrEqual(names.length);
  });

  it('finds referrers through the tag schema when the registry has no referrers API', async () => {
    const source = await OciLayout.open(fixture.layout);
    const c = client();
    const ref = `${registry.host}/refs/busybox:latest`;
    await c.push(ref, { from: source, source: 'busybox:latest' });
    const layout = await newLayout();
    const empty = await layout.writeJson({}, MediaType.Empty);
    const subject = {
      mediaType: MediaType.ImageManifest,
      digest: fixture.manifestDigest,
      size: fixture.manifestSize,
    } as const;
    const sbom = await layout.writeJson(
      {
        schemaVersion: 2,
        mediaType: MediaType.ImageManifest,
        artifactType: 'application/vnd.example.sbom.v1',
        config: empty,
        layers: [empty],
        subject,
        annotations: { 'org.example.kind': 'sbom' },
      },
      MediaType.ImageManifest,
    );
    const sig = await layout.writeJson(
      {
        schemaVersion: 2,
        mediaType: MediaType.ImageManifest,
        artifactType: 'application/vnd.example.signature.v1',
        config: empty,
        layers: [empty],
        subject,
      },
      MediaType.ImageManifest,
    );
    await c.push(`${registry.host}/refs/busybox@${sbom.digest}`, { from: layout, source: sbom });
    await c.push(`${registry.host}/refs/busybox@${sig.digest}`, { from: layout, source: sig });
    const all = await c.referrers(ref);
    expect(all.map((d) => d.digest).sort()).toEqual([sbom.digest, sig.digest].sort());
    const sboms = await c.referrers(ref, { artifactType: 'application/vnd.example.sbom.v1' });
    expect(sboms).toEqual([
      expect.objectContaining({ digest: sbom.digest, annotations: { 'org.example.kind': 'sbom' } }),
    ]);
    expect(await c.referrers(`${registry.host}/refs/busybox@${sbom.digest}`)).toEqual([]);
  });

  it('deletes a manifest by tag (resolved to its digest)', async () => {
    const source = await OciLayout.open(fixture.layout);
    const c = client();
    await c.push(`${registry.host}/del/me:latest`, { from: source, source: 'busybox:latest' });
    expect(await c.deleteManifest(`${registry.host}/del/me:latest`)).toBe(fixture.manifestDigest);
    await expect(c.getManifest(`${registry.host}/del/me@${fixture.manifestDigest}`)).rejects.toMatchObject({
      code: 'ERR_MANIFEST_UNKNOWN',
    });
  });
});

describe('concurrent pulls', () => {
  it('pulls images sharing a layer at the same time: the layer is fetched and stored once', async () => {
    const layout = await newLayout();
    const layer = await busyboxLayer(fixture);
    const c = client();
    for (const [name, extra] of [
      ['one', 2000],
      ['two', 3000],
    ] as const) {
      const src = await newLayout();
      await makeImage(src, 'x', [layer, { randomSize: extra }]);
      await c.push(`${registry.host}/shared/${name}:latest`, { from: src, source: 'x' });
    }
    const proxy = await startProxy(registry.url);
    cleanup.add(() => proxy.stop());
    const [one, two] = await Promise.all([
      c.pull(`${proxy.host}/shared/one`, { into: layout }),
      c.pull(`${proxy.host}/shared/two`, { into: layout }),
    ]);
    const shared = layer.desc.digest;
    expect(one.layers[0]!.digest).toBe(shared);
    expect(two.layers[0]!.digest).toBe(shared);
    expect(
      proxy.requests.filter((r) => r.method === 'GET' && r.url.endsWith(`/blobs/${shared}`)),
    ).toHaveLength(1);
    const blobs = await readdir(join(layout.root, 'blobs', 'sha256'));
    // 2 manifests, 2 configs, the shared layer and one own layer each: 7 files, no duplicates or leftovers.
    expect(blobs).toHaveLength(7);
    expect(await readdir(join(layout.root, '.ingest')).catch(() => [])).toEqual([]);
    expect((await layout.readIndex()).manifests).toHaveLength(2);
  });
});

async function readFileText(path: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(path, 'utf8');
}
