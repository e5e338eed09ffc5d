import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { lgetxattr } from '@berth/libcontainer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { gunzipWorkerRunning, setGunzipWorkerIdleTimeout } from '../src/compress/gunzip-worker.js';
import { applyLayer, type GraphDriverError, isGraphDriverError, type TarEntry } from '../src/index.js';
import { packTar, removeScratch, scratchDir, snapshot, streamOf, writeTar } from './helpers.js';

const NS = 1_000_000_000n;
const T = 1_700_000_000n * NS;
const base = (name: string, type: TarEntry['type'], more: Partial<TarEntry> = {}): TarEntry => ({
  name,
  type,
  mode: type === 'directory' ? 0o755 : 0o644,
  uid: 0,
  gid: 0,
  size: 0,
  mtimeNs: T,
  ...more,
});

// A file entry with inline content: the writer reads `source`, so write it first.
function fileEntry(dir: string, name: string, content: string, more: Partial<TarEntry> = {}): TarEntry {
  const src = join(dir, `src-${createHash('md5').update(name).digest('hex')}`);
  writeFileSync(src, content);
  return base(name, 'file', { size: Buffer.byteLength(content), source: src, ...more });
}

// security.capability v2 blob for cap_net_bind_service (binary, not UTF-8).
const CAP = Buffer.from('0000000200040000000000000000000000000000', 'hex');
CAP.writeUInt32LE(0x02000001, 0);
CAP.writeUInt32LE(1 << 10, 4);

describe.skipIf(process.getuid?.() !== 0)('applyLayer', () => {
  let dir: string;
  let srcDir: string;
  beforeEach(() => {
    dir = scratchDir();
    srcDir = join(dir, 'src');
    mkdirSync(srcDir);
  });
  afterEach(() => removeScratch(dir));

  it('reproduces every entry type, PAX fields, xattrs, modes and ns times', async () => {
    const longName = `deep/${'d'.repeat(120)}/${'ü'.repeat(70)}.txt`;
    const tarBuf = await writeTar([
      base('deep', 'directory', { mtimeNs: T + 5n }),
      base(`deep/${'d'.repeat(120)}`, 'directory', {
        mode: 0o750,
        uid: 7,
        gid: 8,
        mtimeNs: T + 123_456_789n,
      }),
      fileEntry(srcDir, longName, 'long', { mtimeNs: T + 999_999_999n }),
      base('bin', 'directory'),
      fileEntry(srcDir, 'bin/ping', 'elf', {
        mode: 0o4755,
        uid: 0,
        gid: 0,
        xattrs: new Map([
          ['security.capability', CAP],
          ['user.note', Buffer.from('hé')],
        ]),
      }),
      fileEntry(srcDir, 'bin/sgid', 'x', { mode: 0o2711, uid: 3_000_000_000, gid: 4_000_000_000 }),
      base('tmp', 'directory', { mode: 0o1777 }),
      base('bin/sh', 'symlink', { linkname: `/${'x'.repeat(150)}/busybox` }),
      base('bin/hard', 'link', { linkname: 'bin/ping' }),
      base('dev', 'directory'),
      base('dev/null', 'char', { mode: 0o666, devmajor: 1, devminor: 3 }),
      base('dev/loop9', 'block', { mode: 0o660, gid: 6, devmajor: 7, devminor: 9 }),
      base('dev/pipe', 'fifo', { mode: 0o600 }),
    ]);
    const target = join(dir, 'root');
    const result = await applyLayer(streamOf(tarBuf), target);
    expect(result.diffId).toBe(`sha256:${createHash('sha256').update(tarBuf).digest('hex')}`);
    expect(result.size).toBe(tarBuf.length);

    const s = snapshot(target);
    expect(s[longName]).toMatchObject({ type: 'file', mtimeNs: String(T + 999_999_999n) });
    expect(s[`deep/${'d'.repeat(120)}`]).toMatchObject({
      mode: 0o750,
      uid: 7,
      gid: 8,
      mtimeNs: String(T + 123_456_789n),
    });
    expect(s.deep!.mtimeNs).toBe(String(T + 5n)); // directory times set last
    expect(s['bin/ping']).toMatchObject({ mode: 0o4755, uid: 0 });
    expect(lgetxattr(join(target, 'bin/ping'), 'security.capability')).toEqual(CAP);
    expect(lgetxattr(join(target, 'bin/ping'), 'user.note')?.toString()).toBe('hé');
    expect(s['bin/sgid']).toMatchObject({ mode: 0o2711, uid: 3_000_000_000, gid: 4_000_000_000 });
    expect(s.tmp!.mode).toBe(0o1777);
    expect(s['bin/sh']).toMatchObject({ type: 'symlink', target: `/${'x'.repeat(150)}/busybox` });
    expect(statSync(join(target, 'bin/hard')).ino).toBe(statSync(join(target, 'bin/ping')).ino);
    expect(s['dev/null']).toMatchObject({ type: 'char', mode: 0o666, rdev: statSync('/dev/null').rdev });
    expect(s['dev/loop9']).toMatchObject({ type: 'block', mode: 0o660, gid: 6 });
    expect(s['dev/pipe']).toMatchObject({ type: 'fifo', mode: 0o600 });
  });

  it('reads gzip and zstd layers, detects the compression, and checks the diff ID', async () => {
    const tarBuf = await packTar([{ header: { name: 'a.txt' }, body: 'hello' }]);
    const diffId = `sha256:${createHash('sha256').update(tarBuf).digest('hex')}`;
    const zst = execFileSync('zstd', ['-c', '-q'], { input: tarBuf });
    for (const [name, buf, compression] of [
      ['plain', tarBuf, 'none'],
      ['gz', gzipSync(tarBuf), 'gzip'],
      ['zst', zst, 'zstd'],
    ] as const) {
      const r = await applyLayer(streamOf(buf), join(dir, name), { diffId });
      expect(r.compression).toBe(compression);
      expect(readFileSync(join(dir, name, 'a.txt'), 'utf8')).toBe('hello');
    }
    const wrong = `sha256:${'0'.repeat(64)}`;
    const err = await applyLayer(streamOf(gzipSync(tarBuf)), join(dir, 'bad'), { diffId: wrong }).catch(
      (e) => e,
    );
    expect(isGraphDriverError(err, 'ERR_DIGEST_MISMATCH')).toBe(true);
    // Nothing half-applied is visible: no target, no temp dir.
    expect(readdirSync(dir).sort()).toEqual(['gz', 'plain', 'src', 'zst']);
    const corrupt = await applyLayer(streamOf(zst.subarray(0, zst.length - 4)), join(dir, 'bad')).catch(
      (e) => e,
    );
    expect(isGraphDriverError(corrupt)).toBe(true);
    expect(existsSync(join(dir, 'bad'))).toBe(false);
    // A corrupt gzip stream (decoded in the worker thread) fails the same way.
    const gz = gzipSync(tarBuf);
    gz.fill(0x55, 12, gz.length - 8);
    const badGzip = await applyLayer(streamOf(gz), join(dir, 'bad')).catch((e) => e);
    expect(isGraphDriverError(badGzip, 'ERR_LAYER_INVALID'), String(badGzip)).toBe(true);
    expect(existsSync(join(dir, 'bad'))).toBe(false);
  });

  it('lets the gzip worker go after an idle spell and starts it again for the next layer', async () => {
    setGunzipWorkerIdleTimeout(150);
    try {
      const gz = gzipSync(await packTar([{ header: { name: 'a.txt' }, body: 'hello' }]));
      await applyLayer(streamOf(gz), join(dir, 'one'));
      expect(gunzipWorkerRunning()).toBe(true);
      await new Promise((r) => setTimeout(r, 400));
      expect(gunzipWorkerRunning()).toBe(false);
      await applyLayer(streamOf(gz), join(dir, 'two'));
      expect(readFileSync(join(dir, 'two', 'a.txt'), 'utf8')).toBe('hello');
      expect(gunzipWorkerRunning()).toBe(true);
    } finally {
      setGunzipWorkerIdleTimeout(10_000);
    }
  });

  it('applies the same tree however the stream is chunked (headers and data split anywhere)', async () => {
    const tarBuf = await packTar([
      { header: { name: 'd', type: 'directory', mode: 0o750 } },
      { header: { name: 'd/small', mode: 0o600 }, body: 'tiny' },
      { header: { name: 'd/big', mode: 0o755 }, body: Buffer.alloc(3 << 20, 'z') },
      { header: { name: 'd/link', type: 'symlink', linkname: 'small' } },
      { header: { name: 'd/hard', type: 'link', linkname: 'd/small' } },
    ]);
    const chunked = (size: number) => {
      const parts: Buffer[] = [];
      for (let off = 0; off < tarBuf.length; off += size) parts.push(tarBuf.subarray(off, off + size));
      return Readable.from(parts);
    };
    await applyLayer(streamOf(tarBuf), join(dir, 'whole'));
    for (const size of [7, 512, 65_537]) {
      await applyLayer(chunked(size), join(dir, `c${size}`));
      expect(snapshot(join(dir, `c${size}`)), `chunks of ${size}`).toEqual(snapshot(join(dir, 'whole')));
    }
    expect(readFileSync(join(dir, 'whole/d/big')).length).toBe(3 << 20);
    expect(lstatSync(join(dir, 'whole/d/small')).nlink).toBe(2);
  });

  it('remaps owners for user namespaces', async () => {
    const tarBuf = await packTar([
      { header: { name: 'f', uid: 0, gid: 0 }, body: 'x' },
      { header: { name: 'g', uid: 1000, gid: 1000 }, body: 'x' },
    ]);
    const ids = {
      uidMappings: [{ containerID: 0, hostID: 100000, size: 65536 }],
      gidMappings: [{ containerID: 0, hostID: 200000, size: 65536 }],
    };
    await applyLayer(streamOf(tarBuf), join(dir, 'r'), { idMappings: ids });
    expect(lstatSync(join(dir, 'r/f'))).toMatchObject({ uid: 100000, gid: 200000 });
    expect(lstatSync(join(dir, 'r/g'))).toMatchObject({ uid: 101000, gid: 201000 });
  });

  it('vfs whiteouts delete, and an opaque marker keeps only what its own layer added', async () => {
    const target = join(dir, 'r');
    mkdirSync(target);
    const l1 = await packTar([
      { header: { name: 'a/', type: 'directory' } },
      { header: { name: 'a/x' }, body: '1' },
      { header: { name: 'a/y' }, body: '1' },
      { header: { name: 'o/', type: 'directory' } },
      { header: { name: 'o/old' }, body: '1' },
    ]);
    const l2 = await packTar([
      { header: { name: 'a/.wh.x' } },
      { header: { name: 'o/new' }, body: '2' },
      { header: { name: 'o/.wh..wh..opq' } },
    ]);
    await applyLayer(streamOf(l1), target, { inPlace: true });
    await applyLayer(streamOf(l2), target, { inPlace: true });
    expect(readdirSync(join(target, 'a'))).toEqual(['y']);
    expect(readdirSync(join(target, 'o'))).toEqual(['new']);
  });

  it('overlay whiteouts become 0:0 char devices and opaque xattrs; hardlinks to lower files are copied up', async () => {
    const lower = join(dir, 'lower');
    await applyLayer(
      streamOf(
        await packTar([
          { header: { name: 'd/', type: 'directory', mode: 0o711, uid: 5 } },
          { header: { name: 'd/f', mode: 0o640 }, body: 'lower' },
        ]),
      ),
      lower,
      { whiteouts: 'overlay' },
    );
    const upper = join(dir, 'upper');
    await applyLayer(
      streamOf(
        await packTar([
          { header: { name: 'd/.wh.gone' } },
          { header: { name: 'e/', type: 'directory' } },
          { header: { name: 'e/.wh..wh..opq' } },
          { header: { name: 'd/link', type: 'link', linkname: 'd/f' } },
        ]),
      ),
      upper,
      { whiteouts: 'overlay', lowerDirs: [lower] },
    );
    const wh = lstatSync(join(upper, 'd/gone'));
    expect(wh.isCharacterDevice() && wh.rdev === 0).toBe(true);
    expect(lgetxattr(join(upper, 'e'), 'trusted.overlay.opaque')?.toString()).toBe('y');
    // The implicit parent takes the lower directory's attributes.
    expect(lstatSync(join(upper, 'd'))).toMatchObject({ mode: 0o40711, uid: 5 });
    expect(readFileSync(join(upper, 'd/link'), 'utf8')).toBe('lower');
    expect(lstatSync(join(upper, 'd/link')).ino).toBe(lstatSync(join(upper, 'd/f')).ino);
  });

  it('ignores overlay xattrs that a layer carries', async () => {
    const t = await writeTar([
      base('d', 'directory', {
        xattrs: new Map([
          ['trusted.overlay.opaque', Buffer.from('y')],
          ['trusted.overlay.redirect', Buffer.from('/etc')],
        ]),
      }),
    ]);
    await applyLayer(streamOf(t), join(dir, 'r'), { whiteouts: 'overlay' });
    expect(lgetxattr(join(dir, 'r/d'), 'trusted.overlay.opaque')).toBeNull();
    expect(lgetxattr(join(dir, 'r/d'), 'trusted.overlay.redirect')).toBeNull();
  });
});

describe.skipIf(process.getuid?.() !== 0)('hostile layers', () => {
  let dir: string;
  let sentinel: string;
  let before: ReturnType<typeof snapshot>;
  beforeEach(() => {
    dir = scratchDir();
    // The sentinel stands for the host: nothing a layer does may change it.
    sentinel = join(dir, 'sentinel');
    mkdirSync(join(sentinel, 'etc'), { recursive: true });
    writeFileSync(join(sentinel, 'etc/shadow'), 'root:secret\n', { mode: 0o600 });
    writeFileSync(join(sentinel, 'keep'), 'keep');
    before = snapshot(sentinel);
  });
  afterEach(() => {
    expect(snapshot(sentinel)).toEqual(before);
    removeScratch(dir);
  });

  const rel = '../sentinel';

  for (const mode of ['vfs', 'overlay'] as const) {
    it(`${mode}: rejects ../ entries with ERR_LAYER_PATH_ESCAPE and leaves nothing behind`, async () => {
      for (const name of [
        `${rel}/keep`,
        `a/../../sentinel/evil`,
        '..',
        '../../../../../../tmp/berth-escape',
      ]) {
        const t = await packTar([
          { header: { name: 'ok' }, body: 'x' },
          { header: { name }, body: 'pwned' },
        ]);
        const err = await applyLayer(streamOf(t), join(dir, 'root'), { whiteouts: mode }).catch((e) => e);
        expect(isGraphDriverError(err, 'ERR_LAYER_PATH_ESCAPE'), String(err)).toBe(true);
        expect(existsSync(join(dir, 'root'))).toBe(false);
      }
      for (const linkname of [`${rel}/etc/shadow`, '../../../../etc/shadow']) {
        const t = await packTar([{ header: { name: 'steal', type: 'link', linkname } }]);
        const err = await applyLayer(streamOf(t), join(dir, 'root'), { whiteouts: mode }).catch((e) => e);
        expect(isGraphDriverError(err, 'ERR_LAYER_PATH_ESCAPE')).toBe(true);
      }
      expect(readdirSync(dir)).toEqual(['sentinel']);
    });

    it(`${mode}: absolute names and symlinks (same or lower layer) stay inside the root`, async () => {
      const root = join(dir, 'root');
      mkdirSync(root);
      // A lower layer plants symlinks to the "host" (absolute and relative).
      const lower = await packTar([
        { header: { name: 'abs', type: 'symlink', linkname: sentinel } },
        { header: { name: 'up', type: 'symlink', linkname: `../../../..${sentinel}` } },
        { header: { name: 'slash', type: 'symlink', linkname: '/' } },
        { header: { name: 'shadow', type: 'symlink', linkname: join(sentinel, 'etc/shadow') } },
      ]);
      await applyLayer(streamOf(lower), root, { inPlace: true, whiteouts: mode });
      // Same-layer symlink, then a write through it: rejected there, the symlink stays inside.
      const upper = await packTar([
        { header: { name: 'same', type: 'symlink', linkname: sentinel } },
        { header: { name: 'same/keep' }, body: 'pwned' },
      ]);
      const err = await applyLayer(streamOf(upper), root, { inPlace: true, whiteouts: mode }).catch((e) => e);
      expect(isGraphDriverError(err, 'ERR_LAYER_INVALID'), String(err)).toBe(true);
      expect((err as GraphDriverError).path).toBe('same/keep');
      // Each hostile entry in its own layer (in order), so that every one is exercised and its
      // outcome asserted: rejected, or applied inside the root (the afterEach checks the sentinel).
      const cases: Array<[Parameters<typeof packTar>[0][number], 'ok' | 'ERR_LAYER_INVALID']> = [
        // Write through symlinks planted by the lower layer.
        [{ header: { name: 'abs/keep' }, body: 'pwned' }, 'ERR_LAYER_INVALID'],
        [{ header: { name: 'up/etc/shadow' }, body: 'pwned' }, 'ERR_LAYER_INVALID'],
        // An absolute name is taken relative to the root.
        [{ header: { name: `${sentinel}/keep` }, body: 'pwned' }, 'ok'],
        // Replaces the symlink itself, not its target.
        [{ header: { name: 'shadow' }, body: 'pwned' }, 'ok'],
        // Delete through symlinks: resolved inside the root.
        [{ header: { name: 'slash/.wh.sentinel' } }, 'ok'],
        [{ header: { name: 'abs/.wh.keep' } }, 'ok'],
        [{ header: { name: 'abs/etc/.wh..wh..opq' } }, 'ok'],
        // Hardlink to the (now regular) in-root shadow, and through a symlink to the host's.
        [{ header: { name: 'h1', type: 'link', linkname: 'shadow' } }, 'ok'],
        [{ header: { name: 'h2', type: 'link', linkname: 'abs/etc/shadow' } }, 'ERR_LAYER_INVALID'],
        [{ header: { name: 'sub/', type: 'directory' } }, 'ok'],
        [{ header: { name: 'dev/x', type: 'character-device', devmajor: 1, devminor: 3 } }, 'ok'],
      ];
      for (const [entry, expected] of cases) {
        const got = await applyLayer(streamOf(await packTar([entry])), root, {
          inPlace: true,
          whiteouts: mode,
        }).then(
          () => 'ok',
          (e) => (isGraphDriverError(e) ? e.code : String(e)),
        );
        expect(got, entry.header.name).toBe(expected);
      }
      expect(readFileSync(join(root, 'shadow'), 'utf8')).toBe('pwned');
      // abs/.wh.keep resolved inside the root: it deleted (vfs) or whited out (overlay) the
      // in-root <sentinel>/keep written above by the absolute name.
      const keep = join(root, sentinel, 'keep');
      if (mode === 'vfs') expect(existsSync(keep)).toBe(false);
      else expect(lstatSync(keep).isCharacterDevice()).toBe(true);
      // A hardlink to an absolute host path resolves inside the root, where there is no such file.
      const t = await packTar([
        { header: { name: 'h3', type: 'link', linkname: join(sentinel, 'etc/shadow') } },
      ]);
      const err2 = await applyLayer(streamOf(t), join(dir, 'other'), { whiteouts: mode }).catch((e) => e);
      expect(isGraphDriverError(err2, 'ERR_LAYER_INVALID')).toBe(true);
      expect(readlinkSync(join(root, 'slash'))).toBe('/');
    });
  }
});
