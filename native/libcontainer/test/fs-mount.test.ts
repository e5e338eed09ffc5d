import { mkdirSync, readdirSync, readFileSync, statfsSync, writeFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  isLibcontainerError,
  lsetxattr,
  mkwhiteout,
  mount,
  mountFlags,
  mountOverlay,
  overlayMountData,
  pageSize,
  umount,
} from '../src/index.js';
import { mountsUnder, removeScratch, scratchDir } from './helpers/scratch.js';

const TMPFS_MAGIC = 0x01021994;
const OVERLAYFS_MAGIC = 0x794c7630;

const kernelBelow = (major: number, minor: number) => {
  const [a = 0, b = 0] = release().split('.').map(Number);
  return a < major || (a === major && b < minor);
};

const mountLine = (target: string) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => l.split(' ')[4] === target);

describe.skipIf(process.getuid?.() !== 0)('mount and umount', () => {
  let dir: string;
  beforeEach(() => {
    dir = scratchDir();
  });
  afterEach(() => {
    removeScratch(dir);
  });

  it('maps flag names to MS_* bits and refuses unknown names', () => {
    expect(mountFlags(['bind', 'rec'])).toBe(0x5000);
    expect(mountFlags(['rbind'])).toBe(0x5000);
    expect(mountFlags(['remount', 'bind', 'ro'])).toBe(0x1021);
    expect(mountFlags(['rprivate'])).toBe(0x44000);
    expect(mountFlags(0x20)).toBe(0x20);
    expect(() => mountFlags(['bogus' as never])).toThrow(RangeError);
  });

  it('mounts a tmpfs with flags and data, and unmounts it', () => {
    const target = join(dir, 'tmp');
    mkdirSync(target);
    mount('tmpfs', target, 'tmpfs', ['nosuid', 'nodev', 'noexec'], 'size=1m,mode=0700');
    expect(statfsSync(target).type).toBe(TMPFS_MAGIC);
    const line = mountLine(target)!;
    expect(line).toMatch(/ rw,nosuid,nodev,noexec/);
    expect(line).toMatch(/size=1024k,mode=700/);
    umount(target);
    expect(mountsUnder(dir)).toEqual([]);
  });

  it('bind-mounts, and a read-only remount of the bind fails writes with EROFS', () => {
    const src = join(dir, 'src');
    const view = join(dir, 'view');
    mkdirSync(src);
    mkdirSync(view);
    mount('tmpfs', src, 'tmpfs', [], 'size=1m');
    writeFileSync(join(src, 'a'), 'from src');
    mount(src, view, null, ['bind']);
    mount(null, view, null, ['remount', 'bind', 'ro']);
    expect(readFileSync(join(view, 'a'), 'utf8')).toBe('from src');
    expect(() => writeFileSync(join(view, 'b'), 'x')).toThrow(expect.objectContaining({ code: 'EROFS' }));
    writeFileSync(join(src, 'b'), 'still writable'); // only the bind is read-only
    expect(readFileSync(join(view, 'b'), 'utf8')).toBe('still writable');
    umount(view);
    umount(src);
  });

  it('reports kernel failures with syscall, path and errno', () => {
    const target = join(dir, 'not-mounted');
    mkdirSync(target);
    try {
      umount(target);
      expect.unreachable();
    } catch (err) {
      expect(isLibcontainerError(err, 'ERR_SYSCALL')).toBe(true);
      expect(err).toMatchObject({ syscall: 'umount2', path: target, errnoCode: 'EINVAL', errno: 22 });
    }
  });

  it('refuses mount data longer than a page with E2BIG instead of cutting it off', () => {
    const target = join(dir, 'long');
    mkdirSync(target);
    try {
      mount('overlay', target, 'overlay', [], `lowerdir=${'x'.repeat(pageSize())}`);
      expect.unreachable();
    } catch (err) {
      expect(isLibcontainerError(err, 'ERR_SYSCALL')).toBe(true);
      expect(err).toMatchObject({ syscall: 'mount', errnoCode: 'E2BIG', path: target });
      expect((err as Error).message).toMatch(/mount data longer than a page/);
    }
  });

  it('mounts a small overlay with mount(2); whiteouts and opaque dirs from the fs primitives work', () => {
    const [top, bottom, upper, work, merged] = ['top', 'bottom', 'upper', 'work', 'merged'].map((n) => {
      const p = join(dir, n);
      mkdirSync(p);
      return p;
    }) as [string, string, string, string, string];
    writeFileSync(join(bottom, 'same'), 'bottom');
    writeFileSync(join(bottom, 'gone'), 'hidden by a whiteout');
    mkdirSync(join(bottom, 'opaque'));
    writeFileSync(join(bottom, 'opaque', 'old'), 'hidden by the opaque dir');
    writeFileSync(join(top, 'same'), 'top');
    mkwhiteout(join(top, 'gone'));
    mkdirSync(join(top, 'opaque'));
    lsetxattr(join(top, 'opaque'), 'trusted.overlay.opaque', 'y');
    writeFileSync(join(top, 'opaque', 'new'), 'top');

    const method = mountOverlay({ lower: [top, bottom], upper, work, target: merged });
    expect(method).toBe('mount');
    expect(statfsSync(merged).type).toBe(OVERLAYFS_MAGIC);
    expect(readFileSync(join(merged, 'same'), 'utf8')).toBe('top');
    expect(readdirSync(merged).sort()).toEqual(['opaque', 'same']);
    expect(readdirSync(join(merged, 'opaque'))).toEqual(['new']);
    writeFileSync(join(merged, 'written'), 'up');
    expect(readFileSync(join(upper, 'written'), 'utf8')).toBe('up');
    umount(merged);
  });

  it('escapes , : and \\ in overlay paths', () => {
    expect(overlayMountData({ lower: ['/a,b', '/c:d'], upper: '/u\\', work: '/w', target: '/t' })).toBe(
      'lowerdir=/a\\,b:/c\\:d,upperdir=/u\\\\,workdir=/w',
    );
  });

  it('mounts an overlay of 120 lower layers with long paths beyond the page limit (new mount API)', () => {
    // ~190-byte paths: 120 of them make ~23 KB of options, far over a 4 KiB page, while each
    // path alone still fits the 255-byte fsconfig string limit of kernels 6.8-6.12.
    const base = join(dir, 'l'.repeat(120), 'layers-with-a-rather-long-directory-name-to-stress-limits');
    const lower: string[] = [];
    for (let i = 0; i < 120; i++) {
      const layer = join(base, `layer-${String(i).padStart(3, '0')}`);
      mkdirSync(layer, { recursive: true });
      writeFileSync(join(layer, `only-${i}`), String(i));
      writeFileSync(join(layer, 'same'), String(i));
      lower.push(layer);
    }
    const [upper, work, merged] = ['upper', 'work', 'merged'].map((n) => {
      const p = join(dir, n);
      mkdirSync(p);
      return p;
    }) as [string, string, string];
    expect(overlayMountData({ lower, upper, work, target: merged }).length).toBeGreaterThan(pageSize() * 4);

    const method = mountOverlay({ lower, upper, work, target: merged, flags: ['nodev', 'nosuid'] });
    expect(method).toBe('fsmount');
    expect(statfsSync(merged).type).toBe(OVERLAYFS_MAGIC);
    const names = readdirSync(merged);
    expect(names).toHaveLength(121);
    for (let i = 0; i < 120; i++) expect(names).toContain(`only-${i}`);
    // lower[0] is the topmost layer, as in lowerdir=top:…:bottom
    expect(readFileSync(join(merged, 'same'), 'utf8')).toBe('0');
    expect(mountLine(merged)).toMatch(/ rw,nosuid,nodev/);
    writeFileSync(join(merged, 'same'), 'changed');
    expect(readFileSync(join(upper, 'same'), 'utf8')).toBe('changed');
    expect(readFileSync(join(lower[0]!, 'same'), 'utf8')).toBe('0');
    umount(merged);
  });

  // Layers given as fds (fsconfig FSCONFIG_SET_FD, Linux 6.13+) have no length limit at all.
  it.skipIf(kernelBelow(6, 13))('takes layer paths longer than 255 bytes on Linux 6.13+', () => {
    const base = join(dir, 'p'.repeat(250), 'q'.repeat(200));
    const lower = Array.from({ length: 30 }, (_, i) => {
      const p = join(base, `layer-${i}`);
      mkdirSync(p, { recursive: true });
      writeFileSync(join(p, `f${i}`), '');
      return p;
    });
    const merged = join(dir, 'merged');
    mkdirSync(merged);
    expect(lower[0]!.length).toBeGreaterThan(255);
    expect(mountOverlay({ lower, target: merged, flags: ['ro'] })).toBe('fsmount');
    expect(readdirSync(merged)).toHaveLength(30);
    expect(() => writeFileSync(join(merged, 'x'), '')).toThrow(expect.objectContaining({ code: 'EROFS' }));
    umount(merged);
  });

  it('names the failing layer when the new mount API refuses one', () => {
    const lower = Array.from({ length: 40 }, (_, i) => {
      const p = join(dir, 'x'.repeat(100), `layer-${i}`);
      mkdirSync(p, { recursive: true });
      return p;
    });
    const missing = join(dir, 'x'.repeat(100), 'missing');
    const merged = join(dir, 'merged');
    mkdirSync(merged);
    try {
      mountOverlay({ lower: [...lower, missing], target: merged });
      expect.unreachable();
    } catch (err) {
      expect(isLibcontainerError(err, 'ERR_SYSCALL')).toBe(true);
      expect(err).toMatchObject({ errnoCode: 'ENOENT', path: missing });
    }
    expect(mountsUnder(dir)).toEqual([]);
  });
});
