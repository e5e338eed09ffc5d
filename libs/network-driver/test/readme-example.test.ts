import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isRoot } from './helpers.js';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('the published package', () => {
  it.skipIf(!isRoot)('runs the README example against the built ESM output', () => {
    const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
    const example = /## Example\n\n```js\n([\s\S]*?)```/.exec(readme)![1]!;
    const expected = /\nprints\n\n```\n([\s\S]*?)```/.exec(readme)![1]!;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', example], {
      cwd: pkg,
      encoding: 'utf8',
    });
    expect(out).toBe(expected);
    expect(execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' })).not.toMatch(/: bex/);
    expect(execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' })).not.toContain('berth_example');
  });

  it('loads from CommonJS with the same API', () => {
    const script =
      "const n = require('@berth/network-driver'); console.log(typeof n.NetworkDriver.open, new n.NetworkDriverError('ERR_PORT_IN_USE', 'x').code, n.parsePortSpec('8080:80/udp')[0].proto)";
    const out = execFileSync(process.execPath, ['-e', script], { cwd: pkg, encoding: 'utf8' });
    expect(out.trim()).toBe('function ERR_PORT_IN_USE udp');
  });
});
