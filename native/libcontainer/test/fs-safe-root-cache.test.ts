import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLibcontainerError, type LibcontainerError, SafeRoot } from '../src/index.js';
import { nativeAddon } from '../src/native.js';
import { removeScratch, scratchDir } from './helpers/scratch.js';

const errOf = (fn: () => unknown): LibcontainerError | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    if (isLibcontainerError(err)) return err;
    throw err;
  }
};

const T = 1_700_000_000_123_456_789n;

describe.skipIf(process.getuid?.() !== 0)('SafeRoot parent cache and createFile', () => {
  let base: string;
  let root: string;
  let sentinel: string;
  let r: SafeRoot;

  beforeEach(() => {
    base = scratchDir();
    root = join(base, 'root');
    sentinel = join(base, 'sentinel');
    mkdirSync(root);
    mkdirSync(sentinel);
    writeFileSync(join(sentinel, 'keep'), 'precious');
    r = SafeRoot.open(root, { cacheDirs: 4 });
  });
  afterEach(() => {
    r.close();
    // Nothing ever lands outside the root.
    expect(readdirSync(sentinel)).toEqual(['keep']);
    expect(readFileSync(join(sentinel, 'keep'), 'utf8')).toBe('precious');
    expect(readdirSync(base).sort()).toEqual(['root', 'sentinel']);
    removeScratch(base);
  });

  for (const cacheDirs of [0, 4]) {
    it(`createFile writes data, owner, mode after chown, ns times (cacheDirs ${cacheDirs})`, () => {
      const s = SafeRoot.open(root, { cacheDirs });
      try {
        s.mkdirAll('a/b');
        s.createFile('a/b/f', [Buffer.from('hel'), Buffer.alloc(0), Buffer.from('lo')], {
          mode: 0o4755,
          uid: 1234,
          gid: 5678,
          atime: T,
          mtime: T + 1n,
        });
        s.createFile('top', new Uint8Array([104, 105]));
        const st = lstatSync(join(root, 'a/b/f'), { bigint: true });
        expect(readFileSync(join(root, 'a/b/f'), 'utf8')).toBe('hello');
        expect([st.uid, st.gid, st.mode & 0o7777n]).toEqual([1234n, 5678n, 0o4755n]);
        expect([st.atimeNs, st.mtimeNs]).toEqual([T, T + 1n]);
        expect(readFileSync(join(root, 'top'), 'utf8')).toBe('hi');
        expect(lstatSync(join(root, 'top')).mode & 0o7777).toBe(0o644);
        expect(s.cachedDirs).toBe(cacheDirs > 0 ? 2 : 0); // `a` (by mkdirAll) and `a/b`
        // Anything in the place, even a dangling symlink, is EEXIST and is not followed.
        symlinkSync(join(sentinel, 'new'), join(root, 'a/b/link'));
        expect(errOf(() => s.createFile('a/b/link', 'x'))?.errnoCode).toBe('EEXIST');
        expect(errOf(() => s.createFile('a/b/f', 'x'))?.errnoCode).toBe('EEXIST');
        expect(readFileSync(join(root, 'a/b/f'), 'utf8')).toBe('hello');
      } finally {
        s.close();
      }
    });
  }

  it('keeps at most cacheDirs fds and errors name the whole path', () => {
    for (const d of ['d1', 'd2', 'd3', 'd4', 'd5', 'd6']) {
      r.mkdir(d);
      r.writeFile(`${d}/f`, d);
    }
    expect(r.cachedDirs).toBe(4);
    for (const d of ['d1', 'd6']) expect(readFileSync(join(root, d, 'f'), 'utf8')).toBe(d);
    const e = errOf(() => r.openFile('d1/missing', 'r'));
    expect([e?.errnoCode, e?.path]).toEqual(['ENOENT', 'd1/missing']);
    expect(e?.message).toContain('(d1/missing)');
    r.forgetDirs();
    expect(r.cachedDirs).toBe(0);
  });

  it('a cached directory replaced by a symlink: later entries follow the new symlink, inside the root', () => {
    r.mkdir('d');
    r.writeFile('d/one', '1'); // caches d
    mkdirSync(join(root, 'elsewhere'));
    r.unlink('d/one');
    r.rmdir('d');
    r.symlink('/elsewhere', 'd'); // in-root absolute symlink
    r.writeFile('d/two', '2');
    expect(readFileSync(join(root, 'elsewhere/two'), 'utf8')).toBe('2');
    // Now a symlink to the host: the write is resolved inside the root, where there is nothing.
    r.mkdir('e');
    r.writeFile('e/f', 'f');
    r.unlink('e/f');
    r.rmdir('e');
    r.symlink(sentinel, 'e');
    expect(errOf(() => r.writeFile('e/keep', 'pwned'))?.errnoCode).toBe('ENOENT');
    expect(errOf(() => r.createFile('e/new', 'pwned'))?.errnoCode).toBe('ENOENT');
  });

  it('a whiteout removing a cached directory: the directory made again is the one written to', () => {
    r.mkdirAll('a/b');
    r.writeFile('a/b/f', 'old');
    // A whiteout deletes a/b; a later entry makes it again.
    r.unlink('a/b/f');
    r.rmdir('a/b');
    r.mkdir('a/b');
    r.createFile('a/b/g', 'new');
    expect(readdirSync(join(root, 'a/b'))).toEqual(['g']);
    // A rename moves a cached directory away; the name made again is a new directory.
    r.writeFile('a/b/h', 'h');
    r.rename('a/b', 'moved');
    r.mkdir('a/b');
    r.writeFile('a/b/i', 'i');
    expect(readdirSync(join(root, 'a/b'))).toEqual(['i']);
    expect(readdirSync(join(root, 'moved')).sort()).toEqual(['g', 'h']);
  });

  it('after changes made around it, forgetDirs() makes paths resolve again', () => {
    r.mkdir('c');
    r.writeFile('c/f', 'f'); // caches c
    rmSync(join(root, 'c'), { recursive: true });
    symlinkSync(sentinel, join(root, 'c'));
    r.forgetDirs();
    expect(errOf(() => r.writeFile('c/keep', 'pwned'))?.errnoCode).toBe('ENOENT');
    expect(lstatSync(join(root, 'c')).isSymbolicLink()).toBe(true);
  });

  it('the addon takes only one plain name in a directory fd (IN_DIR)', () => {
    const native = nativeAddon<{ mkdirAt(fd: number, p: string, resolve: number, mode: number): void }>();
    for (const name of ['../escape', 'a/b', '..', '.', '', '/abs']) {
      expect(() => native.mkdirAt(r.fd, name, 2, 0o755), name).toThrow(/EINVAL|Invalid argument/);
    }
    native.mkdirAt(r.fd, 'plain', 2, 0o755);
    expect(lstatSync(join(root, 'plain')).isDirectory()).toBe(true);
  });
});
