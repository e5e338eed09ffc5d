import { lstatSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  isLibcontainerError,
  lgetxattr,
  llistxattr,
  lremovexattr,
  lsetxattr,
  lutimes,
  mkfifo,
  mknod,
  mkwhiteout,
  toTimespec,
} from '../src/index.js';
import { removeScratch, scratchDir } from './helpers/scratch.js';

// Linux's dev_t encoding of small major/minor numbers, as in fs.Stats.rdev.
const rdev = (major: number, minor: number) => (major << 8) | minor;

// A VFS_CAP_REVISION_2 blob: cap_net_bind_service (bit 10) permitted and effective.
const netBindService = () => {
  const b = Buffer.alloc(20);
  b.writeUInt32LE(0x02000001, 0); // revision 2 | VFS_CAP_FLAGS_EFFECTIVE
  b.writeUInt32LE(1 << 10, 4); // permitted, low word
  return b;
};

describe.skipIf(process.getuid?.() !== 0)('mknod, xattrs and nanosecond times', () => {
  let dir: string;
  beforeEach(() => {
    dir = scratchDir();
  });
  afterEach(() => {
    removeScratch(dir);
  });

  it('makes an overlay whiteout: a character device 0:0', () => {
    const p = join(dir, 'wh');
    mkwhiteout(p);
    const st = lstatSync(p);
    expect(st.isCharacterDevice()).toBe(true);
    expect(st.rdev).toBe(0);
  });

  it('makes character and block devices with their numbers, and fifos', () => {
    mknod(join(dir, 'null'), 'char', 0o666, 1, 3);
    mknod(join(dir, 'loop'), 'block', 0o600, 7, 0);
    mkfifo(join(dir, 'fifo'), 0o640);
    const n = lstatSync(join(dir, 'null'));
    expect(n.isCharacterDevice()).toBe(true);
    expect(n.rdev).toBe(rdev(1, 3));
    expect(lstatSync(join(dir, 'loop')).isBlockDevice()).toBe(true);
    expect(lstatSync(join(dir, 'loop')).rdev).toBe(rdev(7, 0));
    const f = lstatSync(join(dir, 'fifo'));
    expect(f.isFIFO()).toBe(true);
    expect(f.mode & 0o777).toBe(0o640 & ~process.umask());
  });

  it('reports EEXIST with syscall and path', () => {
    const p = join(dir, 'fifo');
    mkfifo(p);
    try {
      mkfifo(p);
      expect.unreachable();
    } catch (err) {
      expect(isLibcontainerError(err, 'ERR_SYSCALL')).toBe(true);
      expect(err).toMatchObject({ syscall: 'mknodat', path: p, errnoCode: 'EEXIST', errno: 17 });
    }
    expect(() => mknod(p, 'door' as never, 0)).toThrow(RangeError);
  });

  it('round-trips trusted.overlay.opaque and lists and removes xattrs', () => {
    const d = join(dir, 'opaque');
    mkdirSync(d);
    expect(lgetxattr(d, 'trusted.overlay.opaque')).toBeNull();
    lsetxattr(d, 'trusted.overlay.opaque', 'y');
    expect(lgetxattr(d, 'trusted.overlay.opaque')).toEqual(Buffer.from('y'));
    lsetxattr(d, 'trusted.berth.empty', Buffer.alloc(0));
    expect(lgetxattr(d, 'trusted.berth.empty')).toEqual(Buffer.alloc(0));
    expect(llistxattr(d).sort()).toEqual(['trusted.berth.empty', 'trusted.overlay.opaque']);
    expect(() => lsetxattr(d, 'trusted.overlay.opaque', 'n', 'create')).toThrow(
      expect.objectContaining({ code: 'ERR_SYSCALL', errnoCode: 'EEXIST', syscall: 'lsetxattr' }),
    );
    expect(() => lsetxattr(d, 'trusted.berth.none', 'n', 'replace')).toThrow(
      expect.objectContaining({ errnoCode: 'ENODATA' }),
    );
    lremovexattr(d, 'trusted.overlay.opaque');
    expect(lgetxattr(d, 'trusted.overlay.opaque')).toBeNull();
    expect(llistxattr(d)).toEqual(['trusted.berth.empty']);
  });

  it('round-trips a security.capability blob byte for byte, and large values', () => {
    const f = join(dir, 'ping');
    writeFileSync(f, '');
    const cap = netBindService();
    lsetxattr(f, 'security.capability', cap);
    expect(lgetxattr(f, 'security.capability')).toEqual(cap);
    const big = Buffer.alloc(3000, 7);
    lsetxattr(f, 'trusted.berth.big', big);
    expect(lgetxattr(f, 'trusted.berth.big')).toEqual(big);
  });

  it('sets xattrs on a symlink itself, not on its target', () => {
    const target = join(dir, 'target');
    const link = join(dir, 'link');
    writeFileSync(target, '');
    symlinkSync('target', link);
    lsetxattr(link, 'trusted.berth.on', 'link');
    expect(lgetxattr(link, 'trusted.berth.on')).toEqual(Buffer.from('link'));
    expect(lgetxattr(target, 'trusted.berth.on')).toBeNull();
    expect(llistxattr(target)).toEqual([]);
  });

  it('sets times with nanosecond precision, on a symlink itself', () => {
    const f = join(dir, 'f');
    const link = join(dir, 'link');
    writeFileSync(f, '');
    symlinkSync('f', link);
    lutimes(f, { sec: 1_000_000_000, nsec: 123_456_789 }, 1_234_567_890_987_654_321n);
    const st = lstatSync(f, { bigint: true });
    expect(st.atimeNs).toBe(1_000_000_000_123_456_789n);
    expect(st.mtimeNs).toBe(1_234_567_890_987_654_321n);

    const before = statSync(f, { bigint: true }).mtimeNs;
    lutimes(link, 'omit', 42_000_000_001n);
    expect(lstatSync(link, { bigint: true }).mtimeNs).toBe(42_000_000_001n);
    expect(statSync(f, { bigint: true }).mtimeNs).toBe(before); // target untouched
    expect(lstatSync(link, { bigint: true }).atimeNs).not.toBe(42_000_000_001n); // omitted

    lutimes(f, -1_500_000_000n, new Date(1_700_000_000_123)); // before 1970, and a Date
    expect(lstatSync(f, { bigint: true }).atimeNs).toBe(-1_500_000_000n);
    expect(lstatSync(f, { bigint: true }).mtimeNs).toBe(1_700_000_000_123_000_000n);
  });

  it('converts time values to [sec, nsec] with a non-negative nsec', () => {
    expect(toTimespec(1_500_000_001n)).toEqual([1, 500_000_001]);
    expect(toTimespec(-1n)).toEqual([-1, 999_999_999]);
    expect(toTimespec({ sec: 5n, nsec: 7 })).toEqual([5, 7]);
    expect(toTimespec(1.5)).toEqual([1, 500_000_000]);
    expect(toTimespec('now')).toEqual([0, (1 << 30) - 1]);
    expect(() => toTimespec({ sec: 1, nsec: 1e9 })).toThrow(RangeError);
  });
});
