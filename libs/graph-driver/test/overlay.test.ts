import { readdirSync, readFileSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OverlayDriver } from '../src/index.js';
import { mountsUnder, packTar, removeScratch, scratchDir, streamOf } from './helpers.js';

describe.skipIf(process.getuid?.() !== 0)('OverlayDriver short links', () => {
  let dir: string;
  let home: string;
  let d: OverlayDriver;
  beforeEach(async () => {
    dir = scratchDir();
    home = join(dir, 'home');
    d = await OverlayDriver.open(home);
  });
  afterEach(async () => {
    await d.cleanup();
    removeScratch(dir);
    expect(mountsUnder(dir)).toEqual([]);
  });

  const linkOf = (id: string) =>
    (JSON.parse(readFileSync(join(home, id, 'meta.json'), 'utf8')) as { link: string }).link;

  it('open() restores a missing l/ link and removes dangling or unknown ones', async () => {
    await d.create('base');
    await d.applyDiff('base', null, streamOf(await packTar([{ header: { name: 'hello' }, body: 'hi' }])));
    await d.create('child', 'base');
    const links = [linkOf('base'), linkOf('child')].sort();
    expect(readdirSync(join(home, 'l')).sort()).toEqual(links);
    // A crash between the layer's rename and its link; a dangling link; a link no layer names.
    unlinkSync(join(home, 'l', linkOf('base')));
    symlinkSync('../gone/diff', join(home, 'l', 'DANGLING'));
    symlinkSync('../base/diff', join(home, 'l', 'STRAY'));
    d = await OverlayDriver.open(home);
    expect(readdirSync(join(home, 'l')).sort()).toEqual(links);
    const p = await d.get('child');
    expect(readFileSync(join(p, 'hello'), 'utf8')).toBe('hi');
    await d.put('child');
  });
});
