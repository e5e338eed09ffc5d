import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNetns, isLibcontainerError, netnsInode, removeNetns, removeNetnsDir } from '../src/index.js';
import { mountsUnder, removeScratch, scratchDir } from './helpers/scratch.js';

const inodeOf = (nsLink: string) => Number(/\[(\d+)\]/.exec(readlinkSync(nsLink))![1]);

// The mountinfo line of a mount point, as another process (a fresh `cat`) sees it.
const mountLineSeenByChild = (target: string) =>
  execFileSync('cat', ['/proc/self/mountinfo'], { encoding: 'utf8' })
    .split('\n')
    .find((l) => l.split(' ')[4] === target);

describe.skipIf(process.getuid?.() !== 0)('persistent network namespaces', () => {
  let dir: string;
  let nsDir: string;
  beforeEach(() => {
    dir = scratchDir();
    nsDir = join(dir, 'netns');
  });
  afterEach(() => {
    for (const name of ['one', 'two']) {
      if (existsSync(join(nsDir, name))) removeNetns(join(nsDir, name));
    }
    if (existsSync(nsDir)) removeNetnsDir(nsDir);
    removeScratch(dir);
  });

  it('creates two namespaces, distinct from the host and each other, that other processes can join', () => {
    const host = inodeOf('/proc/self/ns/net');
    const one = createNetns(join(nsDir, 'one'));
    const two = createNetns(join(nsDir, 'two'));
    expect(netnsInode(join(nsDir, 'one'))).toBe(one);
    expect(netnsInode(join(nsDir, 'two'))).toBe(two);
    expect(statSync(join(nsDir, 'one')).ino).toBe(one);
    expect(new Set([host, one, two]).size).toBe(3);
    // The calling thread stayed in the host namespace.
    expect(inodeOf('/proc/thread-self/ns/net')).toBe(host);
    expect(netnsInode('/proc/self/ns/net')).toBe(host);

    // Another process joins by path and finds a fresh namespace: only a loopback, down.
    for (const name of ['one', 'two']) {
      const links = execFileSync('nsenter', [`--net=${join(nsDir, name)}`, 'ip', '-o', 'link'], {
        encoding: 'utf8',
      })
        .trim()
        .split('\n');
      expect(links).toHaveLength(1);
      expect(links[0]).toMatch(/^1: lo: <LOOPBACK>/);
    }
    // They are separate: bringing lo up in one changes neither the other nor the host.
    execFileSync('nsenter', [`--net=${join(nsDir, 'one')}`, 'ip', 'link', 'set', 'lo', 'up']);
    const lo = (name: string) =>
      execFileSync('nsenter', [`--net=${join(nsDir, name)}`, 'ip', '-o', 'link', 'show', 'lo'], {
        encoding: 'utf8',
      });
    expect(lo('one')).toMatch(/<LOOPBACK,UP,LOWER_UP>/);
    expect(lo('two')).toMatch(/<LOOPBACK> .* state DOWN/);
  });

  it('mounts in the host mount namespace, under a shared mount point like /run/netns', () => {
    const path = join(nsDir, 'one');
    createNetns(path);
    // A child process sees the nsfs bind mount, so it is in the process's mount namespace
    // (not one private to a thread)…
    expect(mountLineSeenByChild(path)).toMatch(/ - nsfs nsfs /);
    // …and the directory holding it is its own mount point with shared propagation.
    expect(mountLineSeenByChild(nsDir)).toMatch(/ shared:\d+/);
  });

  it('removes a namespace: no mount and no file are left', () => {
    const path = join(nsDir, 'one');
    const ino = createNetns(path);
    createNetns(join(nsDir, 'two')); // prepares the directory again: idempotent
    removeNetns(path);
    expect(existsSync(path)).toBe(false);
    expect(mountsUnder(path)).toEqual([]);
    expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toMatch(new RegExp(`nsfs net:\\[${ino}\\]`));
    removeNetns(join(nsDir, 'two'));
    removeNetnsDir(nsDir);
    expect(existsSync(nsDir)).toBe(false);
    expect(mountsUnder(dir)).toEqual([]);
  });

  it('refuses an existing file, and reports typed errors', () => {
    const path = join(nsDir, 'one');
    createNetns(path);
    try {
      createNetns(path);
      expect.unreachable();
    } catch (err) {
      expect(isLibcontainerError(err, 'ERR_SYSCALL')).toBe(true);
      expect(err).toMatchObject({ syscall: 'open', path, errnoCode: 'EEXIST' });
    }
    expect(() => netnsInode('/proc/self/ns/mnt')).toThrow(expect.objectContaining({ errnoCode: 'EINVAL' }));
    const plain = join(dir, 'plain');
    writeFileSync(plain, '');
    expect(() => netnsInode(plain)).toThrow(expect.objectContaining({ errnoCode: 'ENOTTY' }));
    expect(() => removeNetns(join(nsDir, 'missing'))).toThrow(
      expect.objectContaining({ errnoCode: 'ENOENT' }),
    );
  });
});
