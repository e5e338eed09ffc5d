import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { busyboxImage } from '@berth/fixtures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dockerd, hasDockerd, startDockerd } from './dockerd-harness.js';

// Acceptance: Debian's dockerd (through containerd's runc shim v2) uses berth-runtime.
const CLI = join(import.meta.dirname, '../dist/cli.cjs');
const hasTools = hasDockerd && ['skopeo', 'script'].every((t) => spawnSync(t, ['--version']).status === 0);
const RUN = ['--runtime', 'berth', '--network', 'none'];

let d: Dockerd | undefined;
const docker = (args: string[], input?: string) => d!.docker(args, { input });

/** Runs docker under a pseudo-terminal (`script`), typing `keys` after a pause. */
function dockerTty(args: string[], keys: string) {
  const cmd = [...d!.dockerArgv, ...args].map((a) => `'${a}'`).join(' ');
  const r = spawnSync('sh', ['-c', `(sleep 1.5; printf '${keys}') | script -qec "${cmd}" /dev/null`], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout };
}

describe.skipIf(process.getuid?.() !== 0 || !hasTools)('dockerd with --add-runtime berth', () => {
  beforeAll(async () => {
    d = await startDockerd('berth', [process.execPath, CLI]);
    const image = await busyboxImage();
    const tar = join(d.dir, 'busybox.tar');
    execFileSync('skopeo', ['copy', `oci:${image.layout}:latest`, `docker-archive:${tar}:busybox:latest`], {
      stdio: 'ignore',
    });
    expect(docker(['load', '-i', tar]).code).toBe(0);
  });

  afterAll(async () => {
    await d?.stop();
  });

  it('run --rm: stdout, stderr, stdin and the exit code', () => {
    expect(docker(['run', '--rm', ...RUN, 'busybox', 'echo', 'hi'])).toMatchObject({
      code: 0,
      stdout: 'hi\n',
    });
    expect(docker(['run', '--rm', ...RUN, 'busybox', 'sh', '-c', 'exit 3']).code).toBe(3);
    const r = docker(['run', '--rm', ...RUN, 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect(r).toMatchObject({ code: 7, stdout: 'out\n' });
    expect(r.stderr).toContain('err\n');
    expect(
      docker(['run', '--rm', '-i', ...RUN, 'busybox', 'sh', '-c', 'cat; id -u'], 'piped\n'),
    ).toMatchObject({
      code: 0,
      stdout: 'piped\n0\n',
    });
  });

  it('run -it: a terminal through --console-socket', () => {
    const r = dockerTty(['run', '--rm', '-it', ...RUN, 'busybox', 'sh'], 'tty; echo $((6*7)); exit 4\\r');
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/\/dev\/pts\/0\s+42/);
  });

  it('run -d, exec (plain and -it), top, stop (SIGTERM, then SIGKILL after the timeout)', () => {
    expect(docker(['run', '-d', '--name', 'berth-test-d', ...RUN, 'busybox', 'sleep', '1000']).code).toBe(0);
    expect(docker(['exec', 'berth-test-d', 'sh', '-c', 'echo exec-ok; exit 5'])).toMatchObject({
      code: 5,
      stdout: 'exec-ok\n',
    });
    expect(docker(['exec', '-i', 'berth-test-d', 'cat'], 'through-exec\n').stdout).toBe('through-exec\n');
    const tty = dockerTty(['exec', '-it', 'berth-test-d', 'sh'], 'tty; exit 6\\r');
    expect(tty.code).toBe(6);
    expect(tty.stdout).toContain('/dev/pts/');
    expect(docker(['top', 'berth-test-d']).stdout).toContain('sleep 1000');
    const t0 = Date.now();
    expect(docker(['stop', '-t', '1', 'berth-test-d']).code).toBe(0);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(8000);
    expect(
      docker(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', 'berth-test-d']).stdout.trim(),
    ).toBe('exited 137');
    expect(docker(['rm', 'berth-test-d']).code).toBe(0);
  });

  it('stop: a process that handles SIGTERM ends at once, with its own code', () => {
    const script = 'trap "exit 0" TERM; echo ready; while :; do sleep 0.1; done';
    expect(
      docker(['run', '-d', '--name', 'berth-test-term', ...RUN, 'busybox', 'sh', '-c', script]).code,
    ).toBe(0);
    // PID 1 ignores SIGTERM until its trap is set: wait for the shell to say so.
    for (let i = 0; i < 100 && !docker(['logs', 'berth-test-term']).stdout.includes('ready'); i++)
      spawnSync('sleep', ['0.1']);
    const t0 = Date.now();
    expect(docker(['stop', '-t', '10', 'berth-test-term']).code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(docker(['inspect', '--format', '{{.State.ExitCode}}', 'berth-test-term']).stdout.trim()).toBe('0');
    expect(docker(['rm', 'berth-test-term']).code).toBe(0);
  });
});
