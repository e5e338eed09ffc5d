import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../src/drivers/fs-util.js';
import { removeScratch, scratchDir } from './helpers.js';

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(() => {
    dir = scratchDir();
  });
  afterEach(() => removeScratch(dir));

  it('replaces the file (mode 0600) and leaves no temp file', () => {
    const p = join(dir, 'f.json');
    writeFileSync(p, 'old');
    writeFileAtomic(p, 'new');
    expect(readFileSync(p, 'utf8')).toBe('new');
    expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['f.json']);
  });

  it('on failure leaves the target as it was and removes its temp file', () => {
    const p = join(dir, 'busy');
    mkdirSync(p);
    writeFileSync(join(p, 'x'), '');
    expect(() => writeFileAtomic(p, 'data')).toThrow();
    expect(readdirSync(dir)).toEqual(['busy']);
    expect(readdirSync(p)).toEqual(['x']);
  });
});
