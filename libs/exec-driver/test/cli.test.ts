import { type ChildProcess, type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExecDriver } from '../src/index.js';
import { type Sandbox, sandbox } from './helpers.js';

const CLI = join(import.meta.dirname, '../dist/cli.js');
const boxes: Sandbox[] = [];
afterEach(async () => {
  for (const b of boxes.splice(0)) await b.cleanup();
  // The CLI's containers go under the default `berth` cgroup parent, which stays between them.
  await new ExecDriver().removeCgroupParent();
});

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs berth-runtime; resolves when its stdio closes (after any relay it left has exited too). */
function cli(
  s: Sandbox,
  args: string[],
  options: SpawnOptions & { input?: string; onSpawn?: (child: ChildProcess) => void } = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, '--root', s.driver.root, ...args], {
      cwd: s.bundle,
      ...options,
    });
    options.onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    child.stderr?.on('data', (d) => {
      stderr += d;
    });
    child.stdin?.end(options.input ?? '');
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      // The CLI itself is done; for create/exec -d a relay may still hold stdout.
      if (args.includes('create') || args.includes('-d') || args.includes('--detach'))
        resolve({ code, signal, stdout, stderr });
      else child.on('close', () => resolve({ code, signal, stdout, stderr }));
    });
  });
}

/** Resolves once `ready()` holds; fails after 10 s with `context()` in the message. */
async function until(ready: () => boolean, context: () => string): Promise<void> {
  for (let waited = 0; !ready(); waited += 20) {
    if (waited > 10_000) throw new Error(`timed out: ${context()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function writeBundle(s: Sandbox, cmd: string[], overrides = {}) {
  writeFileSync(join(s.bundle, 'config.json'), JSON.stringify(await s.spec(cmd, overrides)));
}

describe.skipIf(process.getuid?.() !== 0)('berth-runtime CLI', () => {
  it('run: output, stdin and the exit code in the foreground; the container is removed after', async () => {
    const s = await sandbox();
    boxes.push(s);
    await writeBundle(s, ['sh', '-c', 'cat; echo err >&2; exit 5']);
    const id = s.id('run');
    const r = await cli(s, ['run', id], { input: 'in\n' });
    expect(r).toMatchObject({ code: 5, stdout: 'in\n', stderr: 'err\n' });
    expect((await cli(s, ['list', '-q'])).stdout).toBe('');
  });

  it('create/start/state/update/kill/delete, with --pid-file naming the container and the stdio handed over', async () => {
    const s = await sandbox();
    boxes.push(s);
    await writeBundle(s, ['sh', '-c', 'echo hello; read line; echo "read $line"; sleep 1000']);
    const id = s.id('cli');
    const pidFile = join(s.dir, 'pid');
    // The caller's stdio becomes the container's: read it while the container runs.
    // (A file as stdin: Node destroys a child's stdin pipe when the child exits.)
    writeFileSync(join(s.dir, 'input'), 'line\n');
    const input = openSync(join(s.dir, 'input'), 'r');
    const child = spawn(
      process.execPath,
      [CLI, '--root', s.driver.root, 'create', '--bundle', s.bundle, '--pid-file', pidFile, id],
      {
        stdio: [input, 'pipe', 'inherit'],
      },
    );
    closeSync(input);
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
    });
    const outputClosed = new Promise<void>((r) => child.stdout!.on('close', () => r()));
    expect(await new Promise((r) => child.on('exit', r))).toBe(0);
    const created = JSON.parse((await cli(s, ['state', id])).stdout);
    expect(created).toMatchObject({ ociVersion: '1.2.0', id, status: 'created', bundle: s.bundle });
    // As runc: the pid file names the container's own process, which engines reap.
    expect(Number(readFileSync(pidFile, 'utf8'))).toBe(created.pid);
    expect((await cli(s, ['start', id])).code).toBe(0);
    for (let i = 0; i < 100 && !out.includes('read line'); i++) await new Promise((r) => setTimeout(r, 50));
    expect(out).toBe('hello\nread line\n');
    expect(JSON.parse((await cli(s, ['state', id])).stdout).status).toBe('running');
    expect(JSON.parse((await cli(s, ['ps', '--format', 'json', id])).stdout)).toEqual([created.pid]);
    const list = await cli(s, ['list']);
    expect(list.stdout).toMatch(new RegExp(`^ID\\s+PID\\s+STATUS.*\\n${id}\\s+${created.pid}\\s+running`));
    expect((await cli(s, ['pause', id])).code).toBe(0);
    expect(JSON.parse((await cli(s, ['state', id])).stdout).status).toBe('paused');
    expect((await cli(s, ['resume', id])).code).toBe(0);
    // update: flags, and OCI resources JSON on stdin as containerd sends it.
    expect((await cli(s, ['update', '--memory', '96m', id])).code).toBe(0);
    expect((await cli(s, ['update', '-r', '-', id], { input: '{"pids": {"limit": 42}}' })).code).toBe(0);
    const limits = await s.driver.stats(id);
    expect(limits.memory.limit).toBe(96 * 1024 * 1024);
    expect(limits.pids.limit).toBe(42);
    const badSize = await cli(s, ['update', '--memory', 'lots', id]);
    expect(badSize.code).toBe(1);
    expect(badSize.stderr).toContain('invalid size lots');
    const exec = await cli(s, ['exec', id, 'sh', '-c', 'echo in-exec; exit 9']);
    expect(exec).toMatchObject({ code: 9, stdout: 'in-exec\n' });
    const refused = await cli(s, ['delete', id]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/running/);
    expect((await cli(s, ['kill', id, 'KILL'])).code).toBe(0);
    await outputClosed;
    // The init may still be finishing its exit (its pid namespace's other processes go first).
    let status = '';
    for (let i = 0; i < 40 && status !== 'stopped'; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 50));
      status = JSON.parse((await cli(s, ['state', id])).stdout).status;
    }
    expect(status).toBe('stopped');
    expect((await cli(s, ['delete', id])).code).toBe(0);
    const gone = await cli(s, ['--log', join(s.dir, 'log.json'), '--log-format', 'json', 'state', id]);
    expect(gone.code).toBe(1);
    expect(JSON.parse(readFileSync(join(s.dir, 'log.json'), 'utf8'))).toMatchObject({
      level: 'error',
      msg: expect.stringMatching(/does not exist/),
    });
  });

  it("hands created and detached exec'd processes to the engine's reaper, which gets their exits", async () => {
    const s = await sandbox();
    boxes.push(s);
    await writeBundle(s, ['sleep', '1000']);
    const id = s.id('reaped');
    // An engine in miniature (conmon, containerd's shim): a child subreaper that runs the
    // commands, then waits for the PIDs in --pid-file as for its own children.
    const engine = `
import ctypes, os, subprocess, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
node, cli, root, bundle, cid, dir = sys.argv[1:]
run = lambda *a: subprocess.run([node, cli, '--root', root, *a], check=True)
def reap(pid):
    _, status = os.waitpid(pid, 0)
    return f"exit {os.WEXITSTATUS(status)}" if os.WIFEXITED(status) else f"signal {os.WTERMSIG(status)}"
run('create', '--bundle', bundle, '--pid-file', dir + '/init.pid', cid)
init = int(open(dir + '/init.pid').read())
run('start', cid)
run('exec', '--detach', '--pid-file', dir + '/exec.pid', cid, 'sh', '-c', 'exit 5')
print(reap(int(open(dir + '/exec.pid').read())), flush=True)
run('kill', cid, 'KILL')
print(reap(init), flush=True)
while True:
    try:
        os.waitpid(-1, 0)
    except ChildProcessError:
        break
`;
    const r = spawnSync(
      'python3',
      ['-c', engine, process.execPath, CLI, s.driver.root, s.bundle, id, s.dir],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(r.stdout.trim().split('\n'), r.stderr).toEqual(['exit 5', 'signal 9']);
    expect(JSON.parse((await cli(s, ['state', id])).stdout)).toMatchObject({ status: 'stopped' });
    expect((await cli(s, ['delete', id])).code).toBe(0);
  });

  it('run in the foreground: the command becomes the monitor; state, kill and signals reach the container', async () => {
    const s = await sandbox();
    boxes.push(s);
    const id = s.id('fg');
    const cgroup = `/${s.cgroupParent}/${id}`;
    await writeBundle(
      s,
      ['sh', '-c', 'trap "echo got TERM; exit 7" TERM; touch /ready; while :; do sleep 0.05; done'],
      {
        cgroupsPath: cgroup,
      },
    );
    const pidFile = join(s.dir, 'pid');
    let child: ChildProcess | undefined;
    const running = cli(s, ['run', '--pid-file', pidFile, id], {
      onSpawn: (c) => {
        child = c;
      },
    });
    await until(
      () => existsSync(join(s.rootfs, 'ready')),
      () => 'the container did not start',
    );
    // One process, as `runc run`: the command itself runs on as the monitor (its sealed copy).
    expect(readlinkSync(`/proc/${child!.pid}/exe`)).toMatch(/^\/memfd:berth-monitor/);
    // The pid file names the container's process, and another process sees it running.
    const state = JSON.parse((await cli(s, ['state', id])).stdout);
    expect(state).toMatchObject({ status: 'running', pid: Number(readFileSync(pidFile, 'utf8')) });
    expect(existsSync(join('/sys/fs/cgroup/pids', cgroup))).toBe(true);
    // A signal to the command goes to the container, whose exit is the command's.
    child!.kill('SIGTERM');
    expect(await running).toMatchObject({ code: 7, signal: null, stdout: 'got TERM\n' });
    // Nothing is left: no state, no record, no cgroup.
    expect((await cli(s, ['list', '-q'])).stdout).toBe('');
    expect(existsSync(join('/sys/fs/cgroup/pids', cgroup))).toBe(false);
    expect(existsSync(join(s.driver.root, id))).toBe(false);
    expect(existsSync(join(s.driver.root, '.driver', id))).toBe(false);
  });

  it('run in the foreground: killed from outside, the command ends by the same signal; --keep leaves it stopped', async () => {
    const s = await sandbox();
    boxes.push(s);
    await writeBundle(s, ['sleep', '1000']);
    const pidFile = join(s.dir, 'pid');
    const running = cli(s, ['run', '--pid-file', pidFile, s.id('sig')]);
    await until(
      () => existsSync(pidFile),
      () => 'no pid file',
    );
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    expect(await running).toMatchObject({ code: null, signal: 'SIGKILL' });
    await writeBundle(s, ['sh', '-c', 'exit 3']);
    const id = s.id('keep');
    expect((await cli(s, ['run', '--keep', id])).code).toBe(3);
    expect(JSON.parse((await cli(s, ['state', id])).stdout)).toMatchObject({ status: 'stopped' });
    expect((await cli(s, ['delete', id])).code).toBe(0);
    expect((await cli(s, ['list', '-q'])).stdout).toBe('');
  });

  it('run in the foreground: a set-up failure is reported (stderr and --log) and leaves nothing behind', async () => {
    const s = await sandbox();
    boxes.push(s);
    const id = s.id('fail');
    const cgroup = `/${s.cgroupParent}/${id}`;
    // The program is missing: the failure comes from the container's init, after the command
    // has become its monitor.
    await writeBundle(s, ['/no/such/program'], { cgroupsPath: cgroup });
    const log = join(s.dir, 'log.json');
    const r = await cli(s, ['--log', log, '--log-format', 'json', 'run', id]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^berth-runtime: .*\/no\/such\/program/);
    const entry = JSON.parse(readFileSync(log, 'utf8').trim().split('\n').pop()!);
    expect(entry).toMatchObject({ level: 'error', msg: expect.stringContaining('/no/such/program') });
    expect((await cli(s, ['list', '-q'])).stdout).toBe('');
    expect(existsSync(join('/sys/fs/cgroup/pids', cgroup))).toBe(false);
    expect(existsSync(join(s.driver.root, id))).toBe(false);
    expect(existsSync(join(s.driver.root, '.driver', id))).toBe(false);
  });

  it('rejects bad input with runc-style messages', async () => {
    const s = await sandbox();
    boxes.push(s);
    writeFileSync(
      join(s.bundle, 'config.json'),
      JSON.stringify({ ociVersion: '1.2.0', process: { args: ['true'], cwd: '/' } }),
    );
    const r = await cli(s, ['create', s.id('bad')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/root: is required/);
    expect((await cli(s, ['bogus'])).code).toBe(2);
    expect(JSON.parse((await cli(s, ['features'])).stdout)).toMatchObject({ ociVersionMax: '1.2.0' });
  });
});
