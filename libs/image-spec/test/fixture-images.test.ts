import { execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { busyboxImage, largeImage } from '@berth/fixtures';
import { afterEach, describe, expect, it } from 'vitest';
import { chainIds, loadDockerArchive, OciLayout, saveDockerArchive } from '../src/index.js';
import { tempDir } from './tiny-image.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});
async function dir(): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return t.path;
}

describe('real images from the fixtures', () => {
  it('reads the busybox image, and the copy skopeo makes of it', async () => {
    const fixture = await busyboxImage();
    const original = await (await OciLayout.open(fixture.layout)).readImage('busybox:latest');
    expect(original.descriptor.digest).toBe(fixture.manifestDigest);
    expect(original.config.config?.Cmd).toEqual(['sh']);
    expect(original.config.rootfs.diff_ids).toEqual(fixture.layers.map((l) => l.diffId));
    expect(chainIds(original.config.rootfs.diff_ids)[0]).toBe(fixture.layers[0]!.diffId);

    const copy = await dir();
    execFileSync('skopeo', ['copy', '--quiet', `oci:${fixture.layout}:latest`, `oci:${copy}:copied`]);
    const copied = await (await OciLayout.open(copy)).readImage('copied');
    expect(copied.config.rootfs.diff_ids).toEqual(original.config.rootfs.diff_ids);
  });

  it('moves the ~150 MB six-layer image through a docker save archive and back', async () => {
    const fixture = await largeImage();
    const source = await OciLayout.open(fixture.layout);
    const file = join(await dir(), 'large.tar');
    await saveDockerArchive(source, ['large:latest'], createWriteStream(file));
    const target = await OciLayout.init(await dir());
    const [loaded] = await loadDockerArchive(createReadStream(file), target);
    expect(loaded!.names).toEqual(['docker.io/library/large:latest']);
    const image = await target.readImage('large:latest');
    expect(image.manifest.layers.map((l) => l.digest)).toEqual(fixture.layers.map((l) => l.digest));
    expect(image.config.rootfs.diff_ids).toEqual(fixture.layers.map((l) => l.diffId));
  });
});
