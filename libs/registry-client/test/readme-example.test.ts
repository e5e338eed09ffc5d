import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { busyboxImage, startRegistry } from '@berth/fixtures';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, seed } from './helpers.js';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('the published package', () => {
  it('runs the README example against the built ESM output and a real registry', async () => {
    const fixture = await busyboxImage();
    const registry = await startRegistry();
    cleanup.add(() => registry.stop());
    await seed(fixture.layout, `${registry.host}/busybox:latest`);
    const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
    const example = /## Example\n\n```js\n([\s\S]*?)```/.exec(readme)![1]!;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', example], {
      cwd: pkg,
      env: { ...process.env, REGISTRY: registry.host, DOCKER_CONFIG: await cleanup.tempDir() },
    });
    const lines = stdout.trim().split('\n');
    expect(lines).toContain(`pulled ${fixture.manifestDigest} 1 layer(s)`);
    expect(lines.filter((l) => l.startsWith('stored '))).toHaveLength(2);
    expect(lines.at(-1)).toBe('tags v1');
  });

  it('loads from CommonJS with the same API', () => {
    const script =
      "const r = require('@berth/registry-client'); console.log(typeof r.RegistryClient, typeof r.RegistryError, r.referrersTag('sha256:' + 'a'.repeat(64)).slice(0, 8))";
    const out = execFileSync(process.execPath, ['-e', script], { cwd: pkg, encoding: 'utf8' });
    expect(out.trim()).toBe('function function sha256-a');
  });
});
