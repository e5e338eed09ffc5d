import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { busyboxImage, largeImage } from '@berth/fixtures';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isGraphDriverError, LayerStore } from '../src/index.js';
import { mountsUnder, packTar, removeScratch, scratchDir, streamOf } from './helpers.js';

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e) => (isGraphDriverError(e) ? e.code : ((e as { code?: string }).code ?? String(e))),
  );

/** A one-file layer tar and its diff ID. */
async function smallLayer(body = 'hi'): Promise<{ buf: Buffer; diffId: `sha256:${string}` }> {
  const buf = await packTar([{ header: { name: 'hello' }, body }]);
  return { buf, diffId: `sha256:${createHash('sha256').update(buf).digest('hex')}` };
}

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const blobPath = (layout: string, digest: string) =>
  join(layout, 'blobs/sha256', digest.slice('sha256:'.length));

for (const driver of ['overlay', 'vfs'] as const) {
  describe.skipIf(process.getuid?.() !== 0)(`LayerStore (${driver})`, () => {
    let dir: string;
    let store: LayerStore;
    beforeEach(async () => {
      dir = scratchDir();
      store = await LayerStore.open({ root: join(dir, 'store'), driver });
    });
    afterEach(async () => {
      await store.close();
      removeScratch(dir);
      expect(mountsUnder(dir)).toEqual([]);
    });

    it('imports idempotently and concurrently: one copy, counted references, GC on release', async () => {
      const img = await busyboxImage();
      const l = img.layers[0]!;
      const opts = { diffId: l.diffId, compressedDigest: l.digest, mediaType: l.mediaType };
      const [a, b] = await Promise.all([
        store.register(createReadStream(blobPath(img.layout, l.digest)), null, opts),
        store.register(createReadStream(blobPath(img.layout, l.digest)), null, opts),
      ]);
      expect(a.chainId).toBe(l.diffId);
      expect(b.chainId).toBe(a.chainId);
      // Without a known diff ID both apply, and the loser's copy is dropped.
      const [c, e] = await Promise.all([
        store.register(createReadStream(blobPath(img.layout, l.digest)), null),
        store.register(createReadStream(blobPath(img.layout, l.digest)), null),
      ]);
      expect(c.chainId).toBe(l.diffId);
      expect(e.chainId).toBe(l.diffId);
      expect(store.driver.list()).toHaveLength(1);
      expect(store.get(l.diffId)!.references).toBe(4);
      expect(store.byCompressedDigest(l.digest)?.chainId).toBe(l.diffId);
      const p = await store.mount(l.diffId);
      expect(existsSync(join(p, 'bin/busybox'))).toBe(true);
      await store.unmount(l.diffId);
      for (let i = 0; i < 3; i++) expect(await store.release(l.diffId)).toEqual([]);
      expect(await store.release(l.diffId)).toEqual([l.diffId]);
      expect(store.list()).toEqual([]);
      expect(store.driver.list()).toEqual([]);
      const err = await store.release(l.diffId).catch((x) => x);
      expect(isGraphDriverError(err, 'ERR_LAYER_NOT_FOUND')).toBe(true);
    });

    it('RW layers and commit: diff to tar+gzip with digest and diff ID in one pass', async () => {
      const img = await busyboxImage();
      const l = img.layers[0]!;
      const base = await store.register(createReadStream(blobPath(img.layout, l.digest)), null, {
        diffId: l.diffId,
      });
      await store.createRw('ctr1', base.chainId);
      expect(await store.sizeRw('ctr1')).toBe(0);
      const rootfs = await store.mountRw('ctr1');
      writeFileSync(join(rootfs, 'etc/motd'), 'committed\n');
      await store.unmountRw('ctr1');
      expect(await store.changesRw('ctr1')).toContainEqual({ path: '/etc/motd', kind: 'added' });
      // What the container wrote, not its image: Docker's SizeRw.
      expect(await store.sizeRw('ctr1')).toBe('committed\n'.length);
      const { layer, blob } = await store.commit('ctr1');
      const bytes = readFileSync(blob.path);
      expect(blob.digest).toBe(`sha256:${createHash('sha256').update(bytes).digest('hex')}`);
      expect(blob.diffId).toBe(`sha256:${createHash('sha256').update(gunzipSync(bytes)).digest('hex')}`);
      expect(layer.diffId).toBe(blob.diffId);
      expect(layer.parent).toBe(base.chainId);
      expect(layer.compressedDigest).toBe(blob.digest);
      const p = await store.mount(layer.chainId);
      expect(readFileSync(join(p, 'etc/motd'), 'utf8')).toBe('committed\n');
      await store.unmount(layer.chainId);
      // The base is still needed by the RW layer and the committed layer.
      expect(await store.release(base.chainId)).toEqual([]);
      expect(await store.removeRw('ctr1')).toEqual([]);
      expect(await store.release(layer.chainId)).toEqual([layer.chainId, base.chainId]);
      expect(store.driver.list()).toEqual([]);
    });

    it('a register racing a release of the last reference imports again, not a deleted layer', async () => {
      const { buf, diffId } = await smallLayer();
      await store.register(streamOf(buf), null, { diffId });
      // release() takes the lock first; register() must not reference what it deletes.
      const released = store.release(diffId);
      const again = store.register(streamOf(buf), null, { diffId });
      expect(await released).toEqual([diffId]);
      const l = await again;
      expect(l.references).toBe(1);
      expect(store.get(diffId)?.references).toBe(1);
      expect(store.driver.list()).toEqual([l.cacheId]);
      const p = await store.mount(diffId);
      expect(readFileSync(join(p, 'hello'), 'utf8')).toBe('hi');
      await store.unmount(diffId);
      await store.close();
      store = await LayerStore.open({ root: join(dir, 'store'), driver });
      expect(store.get(diffId)?.references).toBe(1);
    });

    it('a mounted layer is not collected: release keeps it, the last unmount deletes it', async () => {
      const { buf, diffId } = await smallLayer();
      await store.register(streamOf(buf), null, { diffId });
      expect(await codeOf(store.unmount(diffId))).toBe('ERR_LAYER_INVALID');
      const p = await store.mount(diffId);
      await store.mount(diffId);
      expect(await store.release(diffId)).toEqual([]);
      expect(store.get(diffId)?.references).toBe(0);
      expect(readFileSync(join(p, 'hello'), 'utf8')).toBe('hi');
      await store.unmount(diffId);
      expect(store.get(diffId)).toBeDefined();
      expect(readFileSync(join(p, 'hello'), 'utf8')).toBe('hi');
      await store.unmount(diffId);
      expect(store.get(diffId)).toBeUndefined();
      expect(store.driver.list()).toEqual([]);
      expect(await codeOf(store.unmount(diffId))).toBe('ERR_LAYER_NOT_FOUND');
      // Released while mounted, then the store closed: the next open deletes it.
      await store.register(streamOf(buf), null, { diffId });
      await store.mount(diffId);
      expect(await store.release(diffId)).toEqual([]);
      await store.close();
      store = await LayerStore.open({ root: join(dir, 'store'), driver });
      expect(store.list()).toEqual([]);
      expect(store.driver.list()).toEqual([]);
      expect(readdirSync(join(dir, 'store/layers/sha256'))).toEqual([]);
    });

    it('a failed metadata write removes the applied layer', async () => {
      const { buf, diffId } = await smallLayer();
      // Something in the way of the metadata rename (ENOTEMPTY) after the apply succeeded.
      const meta = join(dir, 'store/layers/sha256', diffId.slice('sha256:'.length));
      mkdirSync(meta);
      writeFileSync(join(meta, 'junk'), '');
      expect(await codeOf(store.register(streamOf(buf), null, { diffId }))).toBe('ENOTEMPTY');
      expect(store.list()).toEqual([]);
      expect(store.driver.list()).toEqual([]);
      expect(readdirSync(join(dir, 'store/layers/sha256'))).toEqual([diffId.slice('sha256:'.length)]);
      expect(readdirSync(meta)).toEqual(['junk']);
    });

    it('start-up removes incomplete leftovers', async () => {
      await store.driver.create('orphan');
      mkdirSync(join(dir, 'store/layers/sha256', `${'a'.repeat(64)}.berth-tmp-123456`));
      mkdirSync(join(dir, 'store/layers/sha256', 'b'.repeat(64)));
      await store.close();
      store = await LayerStore.open({ root: join(dir, 'store'), driver });
      expect(store.driver.list()).toEqual([]);
      expect(readdirSync(join(dir, 'store/layers/sha256'))).toEqual([]);
    });

    it('a process killed in the middle of an apply leaves no visible layer', async () => {
      const img = await largeImage();
      const l = [...img.layers].sort((x, y) => y.size - x.size)[0]!;
      await store.close();
      const script = join(dir, 'child.mjs');
      writeFileSync(
        script,
        `import { createReadStream } from 'node:fs';
         import { LayerStore } from ${JSON.stringify(join(pkgDir, 'dist/index.js'))};
         const store = await LayerStore.open({ root: process.argv[2], driver: process.argv[3] });
         let said = false;
         await store.register(createReadStream(process.argv[4], { highWaterMark: 16384 }), null, {
           onProgress: (e) => { if (!said && e.bytes > 4_000_000) { said = true; process.stdout.write('applying\\n'); } },
         });
         process.stdout.write('done\\n');`,
      );
      const child = spawn(
        process.execPath,
        [script, join(dir, 'store'), driver, blobPath(img.layout, l.digest)],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      const said = await new Promise<string>((resolve) => {
        child.stdout.setEncoding('utf8').once('data', (s: string) => resolve(s.trim()));
        child.once('exit', () => resolve('exited'));
      });
      expect(said).toBe('applying');
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      // Something half-applied is on disk, but no layer is visible, and open() removes it.
      store = await LayerStore.open({ root: join(dir, 'store'), driver });
      expect(store.list()).toEqual([]);
      expect(store.driver.list()).toEqual([]);
      const leftovers = readdirSync(store.driver.home).filter((n) => n.includes('berth-tmp'));
      expect(leftovers).toEqual([]);
    });
  });
}
