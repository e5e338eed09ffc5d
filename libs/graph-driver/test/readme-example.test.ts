import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');

describe.skipIf(process.getuid?.() !== 0)('the published package', () => {
  it('runs the README example against the built ESM output', () => {
    const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
    const example = /## Example\n\n```js\n([\s\S]*?)```/.exec(readme)![1]!;
    // nx sets FORCE_COLOR, which would colour console.log's booleans.
    const env = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', example], {
      cwd: pkg,
      encoding: 'utf8',
      env,
    });
    expect(out.trim().split('\n')).toEqual(['true true', '1']);
  });

  it('loads from CommonJS with the same API', () => {
    const script =
      "const g = require('@berth/graph-driver'); console.log(typeof g.applyLayer, typeof g.LayerStore, typeof g.OverlayDriver, typeof g.VfsDriver)";
    const out = execFileSync(process.execPath, ['-e', script], { cwd: pkg, encoding: 'utf8' });
    expect(out.trim()).toBe('function function function function');
  });
});
