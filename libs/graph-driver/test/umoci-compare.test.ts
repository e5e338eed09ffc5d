import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { largeImage } from '@berth/fixtures';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyLayer, LayerStore } from '../src/index.js';
import { removeScratch, scratchDir, snapshot } from './helpers.js';

// tmpfs keeps this fast; the comparison is about content, not the filesystem.
const base = existsSync('/dev/shm') ? '/dev/shm' : undefined;
const blobPath = (layout: string, digest: string) =>
  join(layout, 'blobs/sha256', digest.slice('sha256:'.length));
const opts = { mtimes: 'files' as const, skipXattr: (n: string) => n.startsWith('trusted.overlay.') };

describe.skipIf(process.getuid?.() !== 0)('a real multi-layer image', () => {
  let dir: string;
  beforeEach(() => {
    dir = scratchDir(base);
  });
  afterEach(() => removeScratch(dir));

  it('unpacks to the same tree as umoci unpack (vfs apply and overlay mount)', async () => {
    const img = await largeImage();
    // umoci may take a lock in the layout: give it a copy.
    execFileSync('cp', ['-a', img.layout, join(dir, 'layout')]);
    execFileSync('umoci', ['unpack', '--image', `${join(dir, 'layout')}:latest`, join(dir, 'bundle')], {
      stdio: 'ignore',
    });
    const expected = snapshot(join(dir, 'bundle/rootfs'), opts);

    const flat = join(dir, 'flat');
    for (const [i, l] of img.layers.entries()) {
      await applyLayer(createReadStream(blobPath(img.layout, l.digest)), flat, {
        diffId: l.diffId,
        inPlace: i > 0,
      });
    }
    const got = snapshot(flat, opts);
    expect(Object.keys(got).length).toBeGreaterThan(1000);
    expect(got).toEqual(expected);
    expect(got[img.whiteouts.removed]).toBeUndefined();
    expect(readdirSync(join(flat, img.whiteouts.opaqueDir))).toHaveLength(1);

    const store = await LayerStore.open({ root: join(dir, 'store'), driver: 'overlay' });
    try {
      let parent: string | null = null;
      for (const l of img.layers) {
        parent = (
          await store.register(createReadStream(blobPath(img.layout, l.digest)), parent, {
            diffId: l.diffId,
            mediaType: l.mediaType,
          })
        ).chainId;
      }
      const merged = await store.mount(parent!);
      expect(snapshot(merged, opts)).toEqual(expected);
      await store.unmount(parent!);
    } finally {
      await store.close();
    }
  }, 120_000);
});
