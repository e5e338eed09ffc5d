// Build step after tsup: writes dist/cli-main.cjs.v8cache, the V8 code cache the bin
// (dist/cli.cjs) runs the CLI bundle from. The cache holds what V8 compiled during one
// warm-up command: a foreground `run` whose native build cannot be found, so argument
// parsing, the driver, spec validation, records and cgroup set-up are all compiled (V8
// compiles a function on its first call; an uncalled one would cost its compile at every
// start), and the command stops before any process is started. As root it makes and removes
// a cgroup of its own (`/berth-code-cache-<pid>`); otherwise it stops at that step.
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
  spec.linux.cgroupsPath = `/berth-code-cache-${process.pid}`;
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  const r = spawnSync(
    process.execPath,
    [join(dist, 'cli.cjs'), '--root', join(dir, 'state'), 'run', '--bundle', bundle, 'warm-up'],
    {
      env: {
        ...process.env,
        BERTH_RUNTIME_WRITE_CODE_CACHE: out,
        BERTH_LIBCONTAINER_BUILD: join(dir, 'no-build'),
      },
      encoding: 'utf8',
    },
  );
  if (!/native addon|cgroup/.test(r.stderr) || !existsSync(out))
    throw new Error(`the warm-up command did not stop before the container: ${r.stderr || r.error}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
