import { randomBytes } from 'node:crypto';
import {
  closeSync,
  createWriteStream,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLibcontainerError, lgetxattr, lsetxattr, type ResolveMode, SafeRoot } from '../src/index.js';
import { removeScratch, scratchDir } from './helpers/scratch.js';

// Everything observable about a tree: names, types, modes, owners, link counts, times
// (ctime catches chown, chmod, xattr and link changes), contents, symlink targets, xattrs.
function snapshot(dir: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const walk = (p: string, rel: string) => {
    const st = lstatSync(p, { bigint: true });
    out[rel] = {
      mode: st.mode,
      uid: st.uid,
      gid: st.gid,
      nlink: st.nlink,
      ino: st.ino,
      mtimeNs: st.mtimeNs,
      ctimeNs: st.ctimeNs,
      content: st.isFile() ? readFileSync(p, 'utf8') : st.isSymbolicLink() ? readlinkSync(p) : undefined,
      xattr: st.isSymbolicLink() ? undefined : lgetxattr(p, 'trusted.sentinel')?.toString(),
    };
    if (st.isDirectory()) for (const name of readdirSync(p).sort()) walk(join(p, name), `${rel}/${name}`);
  };
  walk(dir, '.');
  return out;
}

const errnoOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (isLibcontainerError(err, 'ERR_PATH_ESCAPE')) return 'ERR_PATH_ESCAPE';
    if (isLibcontainerError(err)) return err.errnoCode;
    throw err;
  }
};

describe.skipIf(process.getuid?.() !== 0)('SafeRoot', () => {
  let base: string;
  let root: string;
  let sentinel: string;
  let r: SafeRoot;

  beforeEach(() => {
    base = scratchDir();
    root = join(base, 'root');
    sentinel = join(base, 'sentinel');
    mkdirSync(root);
    mkdirSync(join(sentinel, 'sub'), { recursive: true });
    mkdirSync(join(sentinel, 'empty'));
    writeFileSync(join(sentinel, 'keep'), 'precious', { mode: 0o644 });
    writeFileSync(join(sentinel, 'sub', 'inner'), 'precious too');
    lsetxattr(join(sentinel, 'keep'), 'trusted.sentinel', 'original');
  });
  afterEach(() => {
    r?.close();
    removeScratch(base);
  });

  describe('inside the root', () => {
    beforeEach(() => {
      r = SafeRoot.open(root);
    });

    it('creates files and returns fds Node can write through', async () => {
      r.writeFile('plain', 'hello');
      expect(readFileSync(join(root, 'plain'), 'utf8')).toBe('hello');
      const fd = r.openFile('streamed', 'wx', 0o600);
      const stream = createWriteStream(null as unknown as string, { fd });
      await new Promise<void>((resolve, reject) =>
        stream.end('via a stream', () => resolve()).on('error', reject),
      );
      expect(readFileSync(join(root, 'streamed'), 'utf8')).toBe('via a stream');
      expect(lstatSync(join(root, 'streamed')).mode & 0o777).toBe(0o600);
      expect(errnoOf(() => r.openFile('streamed', 'wx'))).toBe('EEXIST');
      r.writeFile('plain', 'hi'); // truncates an existing file
      expect(readFileSync(join(root, 'plain'), 'utf8')).toBe('hi');
      const rfd = r.openFile('plain', 'r');
      expect(readFileSync(rfd).toString()).toBe('hi');
      closeSync(rfd);
    });

    it('makes dirs, nodes, symlinks and hardlinks, renames and removes them', () => {
      r.mkdirAll('a/b/c', 0o755);
      r.mkdirAll('/a/b/c/'); // idempotent
      expect(lstatSync(join(root, 'a/b/c')).isDirectory()).toBe(true);
      r.mkwhiteout('a/wh');
      expect(lstatSync(join(root, 'a/wh')).rdev).toBe(0);
      r.mknod('a/null', 'char', 0o666, 1, 3);
      expect(r.lstat('a/null')).toMatchObject({ rdevMajor: 1, rdevMinor: 3 });
      r.mkfifo('a/fifo');
      expect(lstatSync(join(root, 'a/fifo')).isFIFO()).toBe(true);
      r.symlink('/a/b', 'abs');
      expect(r.readlink('abs')).toBe('/a/b');
      r.writeFile('a/f', 'x');
      r.link('a/f', 'a/b/f-link');
      expect(lstatSync(join(root, 'a/f')).nlink).toBe(2);
      r.rename('a/b/f-link', 'moved');
      expect(errnoOf(() => r.rename('moved', 'a/f', { noReplace: true }))).toBe('EEXIST');
      r.rename('moved', 'a/gone', { whiteout: true });
      expect(lstatSync(join(root, 'moved')).rdev).toBe(0); // RENAME_WHITEOUT left a whiteout
      r.unlink('a/gone');
      r.unlink('moved');
      r.rmdir('a/b/c');
      expect(existsSync(join(root, 'a/b/c'))).toBe(false);
      expect(errnoOf(() => r.rmdir('a'))).toBe('ENOTEMPTY');
    });

    it('changes owner, mode, nanosecond times and xattrs', () => {
      r.mkdir('d', 0o700);
      r.writeFile('d/f', 'x');
      r.lchown('d/f', 1234, 5678);
      r.chmod('d/f', 0o4750);
      r.lutimes('d/f', 1_000_000_000_000_000_001n, { sec: 2_000_000_000, nsec: 999_999_999 });
      r.lsetxattr('d', 'trusted.overlay.opaque', 'y');
      r.lsetxattr(
        'd/f',
        'security.capability',
        Buffer.from('0100000201000000000000000000000000000000', 'hex'),
      );
      const st = lstatSync(join(root, 'd/f'), { bigint: true });
      expect([st.uid, st.gid, st.mode & 0o7777n]).toEqual([1234n, 5678n, 0o4750n]);
      expect(st.atimeNs).toBe(1_000_000_000_000_000_001n);
      expect(st.mtimeNs).toBe(2_000_000_000_999_999_999n);
      expect(r.lstat('d/f')).toMatchObject({ uid: 1234, gid: 5678, mtimeNs: 2_000_000_000_999_999_999n });
      expect(lgetxattr(join(root, 'd'), 'trusted.overlay.opaque')?.toString()).toBe('y');
      expect(r.lgetxattr('d/f', 'security.capability')?.toString('hex')).toBe(
        '0100000201000000000000000000000000000000',
      );
      expect(r.llistxattr('d/f')).toContain('security.capability');
      r.lremovexattr('d', 'trusted.overlay.opaque');
      expect(r.lgetxattr('d', 'trusted.overlay.opaque')).toBeNull();
    });

    it('never follows the final component: acts on symlinks themselves', () => {
      r.writeFile('target', 'data');
      r.symlink('target', 'link');
      r.lchown('link', 4321, 4321);
      r.lutimes('link', 'omit', 7_000_000_007n);
      r.lsetxattr('link', 'trusted.berth', 'on-link');
      expect(lstatSync(join(root, 'link')).uid).toBe(4321);
      expect(lstatSync(join(root, 'target')).uid).toBe(0);
      expect(lstatSync(join(root, 'link'), { bigint: true }).mtimeNs).toBe(7_000_000_007n);
      expect(lstatSync(join(root, 'target'), { bigint: true }).mtimeNs).not.toBe(7_000_000_007n);
      expect(r.lgetxattr('target', 'trusted.berth')).toBeNull();
      expect(errnoOf(() => r.chmod('link', 0o777))).toBe('EOPNOTSUPP');
      expect(errnoOf(() => r.openFile('link', 'w'))).toBe('ELOOP');
      r.link('link', 'link2'); // a hardlink to the symlink itself
      expect(lstatSync(join(root, 'link2')).isSymbolicLink()).toBe(true);
      r.unlink('link');
      expect(readFileSync(join(root, 'target'), 'utf8')).toBe('data');
    });

    it('opens only regular files: fifos and devices are refused without being opened', () => {
      r.mkfifo('fifo');
      r.mknod('null', 'char', 0o666, 1, 3);
      r.mkdir('dir');
      expect(errnoOf(() => r.openFile('fifo', 'w'))).toBe('EINVAL'); // would block if opened
      expect(errnoOf(() => r.openFile('null', 'r'))).toBe('EINVAL');
      expect(errnoOf(() => r.openFile('dir', 'r'))).toBe('EISDIR');
      expect(errnoOf(() => r.openFile('.', 'r'))).toBe('EISDIR');
    });

    it('treats `/`, `.` and `..` as the root itself, which is never created or removed', () => {
      expect(errnoOf(() => r.mkdir('/'))).toBe('EEXIST');
      expect(errnoOf(() => r.rmdir('..'))).toBe('EINVAL');
      expect(errnoOf(() => r.unlink('a/..'))).toBe('ENOENT'); // `a` does not exist
      expect(errnoOf(() => r.rename('.', 'x'))).toBe('EINVAL');
      expect(r.lstat('/').ino).toBe(lstatSync(root).ino);
      expect(r.lstat('../..').ino).toBe(lstatSync(root).ino);
      r.chmod('..', 0o711);
      expect(lstatSync(root).mode & 0o777).toBe(0o711);
      expect(lstatSync(base).mode & 0o777).toBe(0o700); // mkdtemp's mode: the parent is untouched
    });

    it('clamps absolute names, `..` and absolute symlinks to the root (RESOLVE_IN_ROOT)', () => {
      r.mkdir('inside');
      r.symlink('/inside', 'abs');
      r.writeFile('abs/f', '1');
      r.writeFile('../../../inside/g', '2');
      r.writeFile('/inside/h', '3');
      expect(readdirSync(join(root, 'inside')).sort()).toEqual(['f', 'g', 'h']);
    });

    it('reports a closed root', () => {
      r.close();
      expect(() => r.mkdir('x')).toThrow(/closed/);
    });
  });

  describe('beneath mode', () => {
    beforeEach(() => {
      r = SafeRoot.open(root, { resolve: 'beneath' });
    });

    it('works inside, and refuses escaping paths with ERR_PATH_ESCAPE', () => {
      r.mkdirAll('a/b');
      r.writeFile('a/../a/b/f', 'ok');
      expect(readFileSync(join(root, 'a/b/f'), 'utf8')).toBe('ok');
      symlinkSync('/', join(root, 'evil'));
      for (const p of ['../x', '/x', 'a/../../x', 'evil/x', 'evil/tmp/x']) {
        try {
          r.writeFile(p, 'no');
          expect.unreachable(p);
        } catch (err) {
          expect(isLibcontainerError(err, 'ERR_PATH_ESCAPE')).toBe(true);
          expect(err).toMatchObject({ path: p, syscall: 'openat2', errnoCode: 'EXDEV' });
        }
      }
      expect(errnoOf(() => r.link('a/b/f', '../stolen'))).toBe('ERR_PATH_ESCAPE');
    });
  });

  // The hostile tree: every way out we know of, each tried with every operation.
  // cacheDirs > 0: the same attacks through cached parent directory fds.
  describe.each<[ResolveMode, number]>([
    ['in-root', 0],
    ['beneath', 0],
    ['in-root', 4],
    ['beneath', 4],
  ])('hostile trees (%s, cacheDirs %i)', (mode, cacheDirs) => {
    it('change nothing outside the root', () => {
      const tag = randomBytes(4).toString('hex');
      symlinkSync('/', join(root, 'evil-root'));
      symlinkSync('../../..', join(root, 'evil-up'));
      symlinkSync('..', join(root, 'evil-parent'));
      symlinkSync('../sentinel', join(root, 'evil-sentinel'));
      symlinkSync(sentinel, join(root, 'evil-abs'));
      symlinkSync('/etc', join(root, 'etc'));
      mkdirSync(join(root, 'a'));
      symlinkSync('../../sentinel', join(root, 'a', 'b')); // a dir symlink in the middle of paths
      // A decoy where clamped paths land, to see that they do act, inside.
      mkdirSync(join(root, 'sentinel'));
      writeFileSync(join(root, 'sentinel', 'keep'), 'decoy');
      writeFileSync(join(root, 'inside-file'), 'mine');
      const before = snapshot(sentinel);
      const baseBefore = readdirSync(base).sort();
      const passwdBefore = lstatSync('/etc/passwd', { bigint: true });

      const ways = [
        'evil-root',
        'evil-up',
        'evil-parent',
        'evil-sentinel',
        'evil-abs',
        'a/b',
        '..',
        '../../../..',
        '../sentinel',
        '/../sentinel',
        'a/../../sentinel',
        sentinel,
        `evil-root${sentinel}`,
        `evil-up${sentinel}`,
        'evil-parent/sentinel',
        'evil-parent/../sentinel',
        'a/b/../sentinel',
      ];
      r = SafeRoot.open(root, { resolve: mode, cacheDirs });
      const escapes = new Set<string | undefined>();
      const attempt = (fn: () => void) => escapes.add(errnoOf(fn));
      for (const w of ways) {
        attempt(() => r.writeFile(`${w}/victim-file-${tag}`, 'pwned'));
        attempt(() => r.writeFile(`${w}/keep`, 'pwned'));
        attempt(() => r.openFile(`${w}/keep`, 'a'));
        attempt(() => r.mkdir(`${w}/victim-dir-${tag}`));
        attempt(() => r.mkdirAll(`${w}/victim-deep-${tag}/x`));
        attempt(() => r.mknod(`${w}/victim-node-${tag}`, 'char', 0o666, 1, 3));
        attempt(() => r.mkfifo(`${w}/victim-fifo-${tag}`));
        attempt(() => r.symlink('/etc/shadow', `${w}/victim-link-${tag}`));
        attempt(() => r.link(`${w}/keep`, `stolen-${tag}`));
        attempt(() => r.link('inside-file', `${w}/victim-hardlink-${tag}`));
        attempt(() => r.rename(`${w}/keep`, `renamed-${tag}`));
        attempt(() => r.rename('inside-file', `${w}/victim-renamed-${tag}`));
        attempt(() => r.rename(`${w}/sub`, `renamed-dir-${tag}`, { exchange: true }));
        attempt(() => r.lchown(`${w}/keep`, 1234, 1234));
        attempt(() => r.chmod(`${w}/keep`, 0o777));
        attempt(() => r.lutimes(`${w}/keep`, 1n, 1n));
        attempt(() => r.lsetxattr(`${w}/keep`, 'trusted.sentinel', 'pwned'));
        attempt(() => r.lremovexattr(`${w}/keep`, 'trusted.sentinel'));
        attempt(() => r.unlink(`${w}/keep`));
        attempt(() => r.unlink(`${w}/sub/inner`));
        attempt(() => r.rmdir(`${w}/empty`));
      }
      // Only non-destructive attempts at real host files: if this code ever regressed, a write
      // attempt here would write to the host's /etc/passwd.
      for (const p of ['/etc/passwd', '../../../../etc/passwd', 'etc/passwd', 'evil-root/etc/passwd']) {
        attempt(() => r.link(p, `pw-${tag}`));
        expect(errnoOf(() => closeSync(r.openFile(p, 'r')))).toBeDefined();
      }

      // Nothing outside changed.
      expect(snapshot(sentinel)).toEqual(before);
      expect(readdirSync(base).sort()).toEqual(baseBefore);
      const passwd = lstatSync('/etc/passwd', { bigint: true });
      expect([passwd.nlink, passwd.mtimeNs, passwd.ctimeNs]).toEqual([
        passwdBefore.nlink,
        passwdBefore.mtimeNs,
        passwdBefore.ctimeNs,
      ]);
      for (const d of ['/', '/tmp', '/etc', base, sentinel]) {
        expect(readdirSync(d).filter((n) => n.includes(tag))).toEqual([]);
      }
      // No file in the root shares an inode with something outside.
      const outside = new Set([lstatSync(join(sentinel, 'keep')).ino, passwd.ino]);
      const walk = (p: string): void => {
        const st = lstatSync(p, { bigint: true });
        expect(outside.has(st.ino)).toBe(false);
        if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
      };
      walk(root);

      if (mode === 'beneath') {
        expect(escapes).toContain('ERR_PATH_ESCAPE');
        expect(existsSync(join(root, 'sentinel', `victim-file-${tag}`))).toBe(false);
      } else {
        // Clamped, not refused: `../sentinel/…` and friends reached the decoy inside the root.
        expect(escapes).not.toContain('ERR_PATH_ESCAPE');
        expect(existsSync(join(root, 'sentinel', `victim-file-${tag}`))).toBe(true);
      }
      // The planted symlinks are still symlinks (nothing followed them to replace a target).
      expect(readlinkSync(join(root, 'evil-root'))).toBe('/');
    });
  });
});
