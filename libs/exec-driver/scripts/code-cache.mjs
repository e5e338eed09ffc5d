// Build step after tsup: writes dist/cli-main.cjs.v8cache, the V8 code cache the bin
// (dist/cli.cjs) runs the CLI bundle from. The cache holds what V8 compiled during one
// warm-up command: `create` of a bundle whose spec passes the schemas but names a missing
// rootfs, so argument parsing, the driver, libcontainer's loading and spec validation are all
// compiled, and the command stops at validation, before any state, cgroup or process.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { specFromImage } from '../dist/index.js';

const dist = join(import.meta.dirname, '../dist');
const out = join(dist, 'cli-main.cjs.v8cache');
rmSync(out, { force: true });

// vm.Script has no loader for import(): the bin could not run a bundle that uses one.
if (/\bimport\(["'`]/.test(readFileSync(join(dist, 'cli-main.cjs'), 'utf8')))
  throw new Error('dist/cli-main.cjs uses a dynamic import(); import built-ins statically in src/cli');

const dir = mkdtempSync(join(tmpdir(), 'berth-code-cache-'));
try {
  const bundle = join(dir, 'bundle');
  mkdirSync(join(bundle, 'rootfs'), { recursive: true });
  const spec = await specFromImage(undefined, { rootfs: join(bundle, 'rootfs'), cmd: ['true'] });
  spec.root = { path: 'missing-rootfs' };
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  const r = spawnSync(
    process.execPath,
    [join(dist, 'cli.cjs'), '--root', join(dir, 'state'), 'create', '--bundle', bundle, 'warm-up'],
    { env: { ...process.env, BERTH_RUNTIME_WRITE_CODE_CACHE: out }, encoding: 'utf8' },
  );
  if (!r.stderr.includes('root.path') || !existsSync(out))
    throw new Error(`the warm-up command did not stop at validation: ${r.stderr || r.error}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
