import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('the published package', () => {
  it('runs the README example against the built ESM output', () => {
    const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
    const example = /## Example\n\n```js\n([\s\S]*?)```/.exec(readme)![1]!;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', example], {
      cwd: pkg,
      encoding: 'utf8',
    });
    const [first, second] = out.trim().split('\n');
    expect(first).toBe('docker.io/library/busybox:1.36 busybox:1.36');
    expect(second).toMatch(/^sha256:[0-9a-f]{64} sha256:[0-9a-f]{64}$/);
  });

  it('loads from CommonJS with the same API', () => {
    const script =
      "const s = require('@berth/image-spec'); console.log(typeof s.parseManifest, typeof s.OciLayout, s.MediaType.ImageIndex)";
    const out = execFileSync(process.execPath, ['-e', script], { cwd: pkg, encoding: 'utf8' });
    expect(out.trim()).toBe('function function application/vnd.oci.image.index.v1+json');
  });
});
