import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyboxImage } from '@berth/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Acceptance: Debian's podman (conmon) uses berth-runtime as its OCI runtime.
const CLI = join(import.meta.dirname, '../dist/cli.cjs');
const hasPodman =
  spawnSync('podman', ['--version']).status === 0 && spawnSync('script', ['--version']).status === 0;
// podman (cgroupfs manager) puts conmon and containers under libpod_parent in every hierarchy.
const CGROUP_PARENTS = readdirSync('/sys/fs/cgroup').map((c) => `/sys/fs/cgroup/${c}/libpod_parent`);

/** rmdir a cgroup and the cgroups below it, deepest first. */
function removeCgroupTree(path: string): void {
  for (const e of readdirSync(path, { withFileTypes: true }))
    if (e.isDirectory()) removeCgroupTree(join(path, e.name));
  try {
    rmdirSync(path);
  } catch {
    // still busy: leave it
  }
}

let dir = '';
let podman: string[] = [];
let preexisting: string[] = [];
// This machine's hard limits are below podman's defaults (no CAP_SYS_RESOURCE).
const RUN = ['--ulimit', 'nofile=20000:20000', '--ulimit', 'nproc=32768:32768', '--network', 'none'];

function pm(args: string[], input?: string) {
  const r = spawnSync('podman', [...podman, ...args], { encoding: 'utf8', input, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs podman under a pseudo-terminal (`script`), typing `keys` after a pause. */
function pmTty(args: string[], keys: string) {
  const cmd = ['podman', ...podman, ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync(
    'sh',
    ['-c', `(sleep 1.5; printf '${keys}') | script -qec "${cmd.replace(/"/g, '\\"')}" /dev/null`],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  return { code: r.status, stdout: r.stdout };
}

describe.skipIf(process.getuid?.() !== 0 || !hasPodman)('podman with --runtime berth-runtime', () => {
  beforeAll(async () => {
    preexisting = CGROUP_PARENTS.filter((p) => existsSync(p));
    dir = mkdtempSync(join(tmpdir(), 'berth-test-podman-'));
    podman = [
      '--root',
      join(dir, 'storage'),
      '--runroot',
      join(dir, 'run'),
      '--tmpdir',
      join(dir, 'tmp'),
      '--storage-driver',
      'vfs',
      '--cgroup-manager',
      'cgroupfs',
      '--events-backend',
      'file',
      '--runtime',
      CLI,
    ];
    const image = await busyboxImage();
    execFileSync(
      'skopeo',
      [
        'copy',
        `oci:${image.layout}:latest`,
        `containers-storage:[vfs@${join(dir, 'storage')}+${join(dir, 'run')}]docker.io/library/busybox:latest`,
      ],
      { stdio: 'ignore' },
    );
  });

  afterAll(() => {
    if (!dir) return;
    pm(['rm', '--all', '--force', '--time', '0']);
    spawnSync('umount', ['-R', join(dir, 'run')], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
    for (const p of CGROUP_PARENTS) if (!preexisting.includes(p) && existsSync(p)) removeCgroupTree(p);
  });

  it('run --rm: stdout, stderr and the exit code', () => {
    expect(pm(['run', '--rm', ...RUN, 'busybox', 'echo', 'hi'])).toMatchObject({ code: 0, stdout: 'hi\n' });
    const r = pm(['run', '--rm', ...RUN, 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect(r).toMatchObject({ code: 7, stdout: 'out\n' });
    expect(r.stderr).toContain('err\n');
    expect(pm(['run', '--rm', '-i', ...RUN, 'busybox', 'sh', '-c', 'cat; id -u'], 'piped\n')).toMatchObject({
      code: 0,
      stdout: 'piped\n0\n',
    });
  });

  it('run -it: a terminal through --console-socket', () => {
    const r = pmTty(['run', '--rm', '-it', ...RUN, 'busybox', 'sh'], 'tty; echo $((6*7)); exit 4\\r');
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/\/dev\/pts\/0\s+42/);
  });

  it('exec (plain and -it), top and stop (SIGTERM, then SIGKILL after the timeout)', () => {
    expect(pm(['run', '-d', '--name', 'berth-test-engine', ...RUN, 'busybox', 'sleep', '1000']).code).toBe(0);
    // podman knows the container's own process (conmon reaps it), so top lists what runs in it.
    const pid = pm(['inspect', '-f', '{{.State.Pid}}', 'berth-test-engine']).stdout.trim();
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toBe('sleep\x001000\x00');
    const top = pm(['top', 'berth-test-engine']).stdout.trim().split('\n');
    expect(top.slice(1).map((line) => line.trim().split(/\s+/).slice(7).join(' '))).toEqual(['sleep 1000']);
    expect(pm(['exec', 'berth-test-engine', 'sh', '-c', 'echo exec-ok; exit 3'])).toMatchObject({
      code: 3,
      stdout: 'exec-ok\n',
    });
    const tty = pmTty(['exec', '-it', 'berth-test-engine', 'sh'], 'tty; exit 6\\r');
    expect(tty.code).toBe(6);
    expect(tty.stdout).toContain('/dev/pts/');
    const t0 = Date.now();
    expect(pm(['stop', '-t', '1', 'berth-test-engine']).code).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(
      pm(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', 'berth-test-engine']).stdout.trim(),
    ).toBe('exited 137');
    expect(pm(['rm', 'berth-test-engine']).code).toBe(0);
    // A process that handles SIGTERM ends at once, with its own code.
    expect(
      pm([
        'run',
        '-d',
        '--name',
        'berth-test-engine2',
        ...RUN,
        'busybox',
        'sh',
        '-c',
        'trap "exit 0" TERM; echo ready; while :; do sleep 0.1; done',
      ]).code,
    ).toBe(0);
    // PID 1 ignores SIGTERM until its trap is set: wait for the shell to say so.
    for (let i = 0; i < 100 && !pm(['logs', 'berth-test-engine2']).stdout.includes('ready'); i++) {
      spawnSync('sleep', ['0.1']);
    }
    const t1 = Date.now();
    expect(pm(['stop', '-t', '10', 'berth-test-engine2']).code).toBe(0);
    expect(Date.now() - t1).toBeLessThan(5000);
    expect(pm(['rm', 'berth-test-engine2']).code).toBe(0);
  });
});
