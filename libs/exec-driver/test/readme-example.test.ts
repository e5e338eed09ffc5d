import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { busyboxImage, busyboxRootfs } from '@berth/fixtures';
import { afterEach, describe, expect, it } from 'vitest';
import { type Sandbox, sandbox } from './helpers.js';

const boxes: Sandbox[] = [];
afterEach(async () => {
  for (const b of boxes.splice(0)) await b.cleanup();
});

describe.skipIf(process.getuid?.() !== 0)('README example', () => {
  it('runs as written, with the fixture image config and rootfs', async () => {
    const s = await sandbox();
    boxes.push(s);
    const readme = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8');
    let code = /```js\n([\s\S]*?)```/.exec(readme)![1]!;
    const image = await busyboxImage();
    const manifest = JSON.parse(
      readFileSync(join(image.layout, 'blobs/sha256', image.manifestDigest.slice(7)), 'utf8'),
    );
    const imageConfig = JSON.parse(
      readFileSync(join(image.layout, 'blobs/sha256', manifest.config.digest.slice(7)), 'utf8'),
    );
    code = code
      .replace(
        "from '@berth/exec-driver'",
        `from ${JSON.stringify(join(import.meta.dirname, '../dist/index.js'))}`,
      )
      .replace("'/tmp/hello-bundle'", JSON.stringify(join(s.dir, 'hello-bundle')))
      .replace("'/path/to/busybox/rootfs'", JSON.stringify(await busyboxRootfs()))
      // The sandbox's own root and cgroup parent, not the host's.
      .replace(
        "{ root: '/run/berth/runtime' }",
        `{ root: ${JSON.stringify(s.driver.root)}, cgroupParent: ${JSON.stringify(s.cgroupParent)} }`,
      )
      .replace("id: 'hello'", `id: ${JSON.stringify(s.id('hello'))}`)
      .replaceAll("'hello')", `${JSON.stringify(s.ids.at(-1))})`);
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `const imageConfig = ${JSON.stringify(imageConfig)};\n${code}`],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.replace(/\u001b\[\d+m/g, '')).toMatch(/^hello from box\n\{\n? *exitCode: 0/);
  });
});
