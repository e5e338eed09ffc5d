import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyLayer, type GraphDriver, isGraphDriverError } from '../src/index.js';
import { mountsUnder, packTar, removeScratch, scratchDir, snapshot, streamOf } from './helpers.js';

const tarOf = (entries: Parameters<typeof packTar>[0]) => packTar(entries).then(streamOf);
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e) => (isGraphDriverError(e) ? e.code : String(e)),
  );

/**
 * The behaviour every graph driver must have (containerd's snapshotter testsuite idea):
 * call it with a factory that opens a driver in a given home directory.
 */
export function driverConformance(name: string, open: (home: string) => Promise<GraphDriver>): void {
  describe.skipIf(process.getuid?.() !== 0)(`${name} driver conformance`, () => {
    let dir: string;
    let d: GraphDriver;
    beforeEach(async () => {
      dir = scratchDir();
      d = await open(join(dir, 'home'));
    });
    afterEach(async () => {
      await d.cleanup();
      removeScratch(dir);
      expect(mountsUnder(dir)).toEqual([]);
    });

    it('creates, finds and removes layers, with stable error codes', async () => {
      await d.create('base');
      expect(await d.exists('base')).toBe(true);
      expect(await d.exists('nope')).toBe(false);
      expect(await codeOf(d.create('base'))).toBe('ERR_LAYER_EXISTS');
      expect(await codeOf(d.create('child', 'missing'))).toBe('ERR_LAYER_NOT_FOUND');
      expect(await codeOf(d.create('../evil'))).toBe('ERR_LAYER_INVALID');
      expect(await codeOf(d.get('missing'))).toBe('ERR_LAYER_NOT_FOUND');
      expect(d.list()).toEqual(['base']);
      await d.remove('base');
      expect(await d.exists('base')).toBe(false);
      expect((await d.status()).Driver).toBe(name);
    });

    it('applies a diff, mounts with reference counts, and refuses to remove a mounted layer', async () => {
      await d.create('base');
      const r = await d.applyDiff(
        'base',
        null,
        await tarOf([
          { header: { name: 'etc/', type: 'directory' } },
          { header: { name: 'etc/hostname' }, body: 'box' },
        ]),
      );
      expect(r.diffId).toMatch(/^sha256:/);
      const p1 = await d.get('base');
      const p2 = await d.get('base');
      expect(p1).toBe(p2);
      expect(readFileSync(join(p1, 'etc/hostname'), 'utf8')).toBe('box');
      expect(await codeOf(d.remove('base'))).toBe('ERR_LAYER_IN_USE');
      await d.put('base');
      expect(readFileSync(join(p1, 'etc/hostname'), 'utf8')).toBe('box');
      await d.put('base');
      expect(await codeOf(d.put('base'))).toBe('ERR_LAYER_INVALID');
      await d.remove('base');
      expect(await codeOf(d.applyDiff('base', null, streamOf(Buffer.alloc(1024))))).toBe(
        'ERR_LAYER_NOT_FOUND',
      );
    });

    it('a failed applyDiff leaves the layer empty', async () => {
      expect(await codeOf(d.create('l'))).toBe(name === 'overlay' ? 'ERR_LAYER_INVALID' : 'ok');
      await d.create('lay');
      const good = await packTar([{ header: { name: 'a' }, body: 'a' }]);
      const code = await codeOf(
        d.applyDiff('lay', null, streamOf(good), { diffId: `sha256:${'1'.repeat(64)}` }),
      );
      expect(code).toBe('ERR_DIGEST_MISMATCH');
      const p = await d.get('lay');
      expect(readdirSync(p)).toEqual([]);
      await d.put('lay');
    });

    it('whiteouts and opaque dirs across three layers', async () => {
      await d.create('l1');
      await d.applyDiff(
        'l1',
        null,
        await tarOf([
          { header: { name: 'a/', type: 'directory' } },
          { header: { name: 'a/keep' }, body: '1' },
          { header: { name: 'a/del' }, body: '1' },
          { header: { name: 'o/', type: 'directory' } },
          { header: { name: 'o/old1' }, body: '1' },
          { header: { name: 'gone/', type: 'directory' } },
          { header: { name: 'gone/x' }, body: '1' },
        ]),
      );
      await d.create('l2', 'l1');
      await d.applyDiff(
        'l2',
        'l1',
        await tarOf([
          { header: { name: 'o/old2' }, body: '2' },
          { header: { name: 'a/.wh.del' } },
          { header: { name: '.wh.gone' } },
        ]),
      );
      await d.create('l3', 'l2');
      await d.applyDiff(
        'l3',
        'l2',
        await tarOf([
          { header: { name: 'o/', type: 'directory' } },
          { header: { name: 'o/.wh..wh..opq' } },
          { header: { name: 'o/new' }, body: '3' },
          { header: { name: 'gone/', type: 'directory' } },
          { header: { name: 'gone/back' }, body: '3' },
        ]),
      );
      const p = await d.get('l3');
      expect(readdirSync(join(p, 'a'))).toEqual(['keep']);
      expect(readdirSync(join(p, 'o'))).toEqual(['new']);
      expect(readdirSync(join(p, 'gone'))).toEqual(['back']);
      const p2 = await d.get('l2');
      expect(readdirSync(join(p2, 'o')).sort()).toEqual(['old1', 'old2']);
      expect(existsSync(join(p2, 'gone'))).toBe(false);
      await d.put('l2');
      await d.put('l3');
      // The diff of l3 has the opaque marker again; applying it on l2 gives the same tree.
      await d.create('l3b', 'l2');
      await d.applyDiff('l3b', 'l2', d.diff('l3'));
      const a = await d.get('l3');
      const b = await d.get('l3b');
      expect(snapshot(b, { mtimes: 'files' })).toEqual(snapshot(a, { mtimes: 'files' }));
      await d.put('l3');
      await d.put('l3b');
    });

    it('hardlinks across layers and special files', async () => {
      await d.create('l1');
      await d.applyDiff(
        'l1',
        null,
        await tarOf([
          { header: { name: 'bin/', type: 'directory' } },
          { header: { name: 'bin/busybox', mode: 0o4755 }, body: 'elf' },
          { header: { name: 'dev/', type: 'directory' } },
          { header: { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 } },
          { header: { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0, mode: 0o660 } },
          { header: { name: 'run/', type: 'directory' } },
          { header: { name: 'run/fifo', type: 'fifo', mode: 0o620 } },
          { header: { name: 'tmp/', type: 'directory', mode: 0o1777 } },
        ]),
      );
      await d.create('l2', 'l1');
      await d.applyDiff(
        'l2',
        'l1',
        await tarOf([{ header: { name: 'bin/sh', type: 'link', linkname: 'bin/busybox' } }]),
      );
      const p = await d.get('l2');
      expect(readFileSync(join(p, 'bin/sh'), 'utf8')).toBe('elf');
      expect(statSync(join(p, 'bin/sh')).ino).toBe(statSync(join(p, 'bin/busybox')).ino);
      expect(lstatSync(join(p, 'bin/busybox')).mode & 0o7777).toBe(0o4755);
      expect(lstatSync(join(p, 'dev/null')).rdev).toBe(statSync('/dev/null').rdev);
      expect(lstatSync(join(p, 'dev/sda')).isBlockDevice()).toBe(true);
      expect(lstatSync(join(p, 'run/fifo')).isFIFO()).toBe(true);
      expect(lstatSync(join(p, 'tmp')).mode & 0o7777).toBe(0o1777);
      await d.put('l2');
    });

    it('read-write layer: write, changes, diff, applyDiff round trip', async () => {
      await d.create('img');
      await d.applyDiff(
        'img',
        null,
        await tarOf([
          { header: { name: 'etc/', type: 'directory' } },
          { header: { name: 'etc/passwd' }, body: 'root:x:0:0\n' },
          { header: { name: 'etc/motd' }, body: 'hi' },
          { header: { name: 'var/', type: 'directory' } },
          { header: { name: 'var/cache/', type: 'directory' } },
          { header: { name: 'var/cache/a' }, body: 'a' },
          { header: { name: 'var/cache/b' }, body: 'b' },
        ]),
      );
      await d.createReadWrite('ctr', 'img');
      const rw = await d.get('ctr');
      writeFileSync(join(rw, 'etc/passwd'), 'root:x:0:0\nberth:x:1000:1000\n');
      rmSync(join(rw, 'etc/motd'));
      rmSync(join(rw, 'var/cache'), { recursive: true });
      mkdirSync(join(rw, 'var/cache'));
      writeFileSync(join(rw, 'var/cache/c'), 'c');
      mkdirSync(join(rw, 'new/deep'), { recursive: true });
      writeFileSync(join(rw, 'new/deep/file'), 'new');
      linkSync(join(rw, 'new/deep/file'), join(rw, 'new/hard'));
      symlinkSync('/etc/passwd', join(rw, 'new/link'));
      const changes = await d.changes('ctr');
      const kinds = Object.fromEntries(changes.map((c) => [c.path, c.kind]));
      expect(kinds['/etc/passwd']).toBe('modified');
      expect(kinds['/etc/motd']).toBe('deleted');
      expect(kinds['/new/deep/file']).toBe('added');
      expect(kinds['/new/link']).toBe('added');
      expect(kinds['/var/cache/c']).toBe('added');
      expect(kinds['/var/cache/a']).toBe('deleted');
      expect(kinds['/var/cache/b']).toBe('deleted');
      expect(await d.diffSize('ctr')).toBeGreaterThanOrEqual(
        Buffer.byteLength('root:x:0:0\nberth:x:1000:1000\n') + 4,
      );
      // The diff applied on the same parent gives the same tree as the mounted RW layer.
      await d.create('committed', 'img');
      await d.applyDiff('committed', 'img', d.diff('ctr'));
      const c = await d.get('committed');
      expect(snapshot(c, { mtimes: 'files' })).toEqual(snapshot(rw, { mtimes: 'files' }));
      expect(statSync(join(c, 'new/hard')).ino).toBe(statSync(join(c, 'new/deep/file')).ino);
      // A plain applyLayer of the diff onto a copy shows the same too.
      await d.put('committed');
      await d.put('ctr');
      const flat = join(dir, 'flat');
      await applyLayer(d.diff('committed'), flat, { whiteouts: 'vfs' });
      expect(readFileSync(join(flat, 'etc/passwd'), 'utf8')).toContain('berth');
      await d.remove('ctr');
    });

    it('stacks 120 layers and mounts them', async () => {
      let parent: string | null = null;
      for (let i = 0; i < 120; i++) {
        const id = `layer-${i}`;
        await d.create(id, parent);
        await d.applyDiff(id, parent, await tarOf([{ header: { name: `f${i}` }, body: String(i) }]));
        parent = id;
      }
      const t0 = performance.now();
      const p = await d.get('layer-119');
      const ms = performance.now() - t0;
      expect(readdirSync(p)).toHaveLength(120);
      expect(readFileSync(join(p, 'f0'), 'utf8')).toBe('0');
      await d.createReadWrite('top', 'layer-119');
      const rw = await d.get('top');
      writeFileSync(join(rw, 'f0'), 'changed');
      expect(await d.changes('top')).toEqual([{ path: '/f0', kind: 'modified' }]);
      await d.put('top');
      await d.put('layer-119');
      console.log(`${name}: get() of a 120-layer image took ${ms.toFixed(1)} ms`);
    }, 120_000);
  });
}
