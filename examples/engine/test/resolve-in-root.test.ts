import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveInRoot } from '../src/volumes/resolve-in-root.js';

/** Copy-up reads the image's files at a mount path: symlinks there must never lead out of the rootfs. */
describe('resolveInRoot', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'berth-test-root-'));
    mkdirSync(join(root, 'etc/app'), { recursive: true });
    mkdirSync(join(root, 'var/lib'), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('follows links the way the container sees them, inside the root', () => {
    symlinkSync('/etc', join(root, 'var/lib/abs')); // absolute: the container's /etc, not the host's
    symlinkSync('../../etc/app', join(root, 'var/lib/rel'));
    symlinkSync('../../../../../../etc', join(root, 'var/lib/up')); // `..` stops at the root
    expect(resolveInRoot(root, '/var/lib/abs/app')).toBe(join(root, 'etc/app'));
    expect(resolveInRoot(root, '/var/lib/rel')).toBe(join(root, 'etc/app'));
    expect(resolveInRoot(root, '/var/lib/up')).toBe(join(root, 'etc'));
    expect(resolveInRoot(root, '/../../etc/app')).toBe(join(root, 'etc/app'));
  });

  it('gives nothing for a missing path or a loop', () => {
    symlinkSync('/var/lib/b', join(root, 'var/lib/a'));
    symlinkSync('/var/lib/a', join(root, 'var/lib/b'));
    expect(resolveInRoot(root, '/var/lib/a')).toBeUndefined();
    expect(resolveInRoot(root, '/nope/x')).toBeUndefined();
  });
});
