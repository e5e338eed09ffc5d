import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * A private Debian dockerd for tests: its own containerd, roots, socket and cgroup parent
 * under one temp dir; no bridge, no iptables, no host config. `stop()` removes all of it.
 */
export interface Dockerd {
  dir: string;
  /** Runs the docker CLI against this daemon. */
  docker(args: string[], options?: { input?: string; timeout?: number }): CliResult;
  /** The docker command line, for running it under `script`. */
  dockerArgv: string[];
  stop(): Promise<void>;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const DOCKER = '/usr/bin/docker';
export const hasDockerd = ['/usr/sbin/dockerd', '/usr/bin/containerd', DOCKER].every((p) => existsSync(p));

async function until(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once('exit', () => r()));
}

/** SIGTERM, then SIGKILL after `ms`; only this child, by its PID. */
async function terminate(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited(child);
  clearTimeout(timer);
}

/** Processes (shims and what they left) whose command line names our containerd socket. */
function processesUsing(marker: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(marker)) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

function removeCgroupTree(path: string): void {
  if (!existsSync(path)) return;
  for (const e of readdirSync(path, { withFileTypes: true }))
    if (e.isDirectory()) removeCgroupTree(join(path, e.name));
  try {
    rmdirSync(path);
  } catch {
    // still busy: leave it
  }
}

/** Mount points at or below `dir`, deepest first. */
function mountsBelow(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Starts containerd and dockerd with `--add-runtime <name>=<runtime>`. */
export async function startDockerd(runtimeName: string, runtimeArgv: string[]): Promise<Dockerd> {
  // Short: engines nest runtime state deep below the exec root, and socket paths are limited.
  const dir = mkdtempSync('/tmp/berth-test-dk-');
  const cgroupParent = `berth-test-dockerd-${dir.slice(-6)}`;
  const sock = join(dir, 'containerd.sock');
  writeFileSync(
    join(dir, 'containerd.toml'),
    [
      'version = 2',
      `root = "${dir}/containerd/root"`,
      `state = "${dir}/containerd/state"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = "${sock}"`,
      '[debug]',
      '  address = ""',
    ].join('\n'),
  );
  // The trust key would otherwise go to /etc/docker/key.json.
  writeFileSync(join(dir, 'daemon.json'), JSON.stringify({ 'deprecated-key-path': join(dir, 'key.json') }));
  const wrapper = join(dir, 'runtime.sh');
  writeFileSync(wrapper, `#!/bin/sh\nexec ${runtimeArgv.map((a) => `'${a}'`).join(' ')} "$@"\n`);
  chmodSync(wrapper, 0o755);

  const containerd = spawn('/usr/bin/containerd', ['--config', join(dir, 'containerd.toml')], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const dockerSock = join(dir, 'docker.sock');
  let dockerd: ChildProcess | undefined;
  const dockerArgv = [DOCKER, '-H', `unix://${dockerSock}`];
  const docker: Dockerd['docker'] = (args, options = {}) => {
    const r = spawnSync(dockerArgv[0]!, [...dockerArgv.slice(1), ...args], {
      encoding: 'utf8',
      input: options.input,
      timeout: options.timeout ?? 60_000,
    });
    return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };

  const stop = async () => {
    if (dockerd) {
      const ids = docker(['ps', '-aq'], { timeout: 20_000 }).stdout.split('\n').filter(Boolean);
      if (ids.length) docker(['rm', '-f', ...ids], { timeout: 30_000 });
      await terminate(dockerd, 15_000);
    }
    await terminate(containerd, 10_000);
    for (const pid of processesUsing(sock)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    // Containers the runtime still holds (made but never started, when a test failed midway):
    // their monitors wait for a start for ever, so they are deleted through the runtime.
    const runtimeRoots = join(dir, 'x', `runtime-${runtimeName}`);
    for (const ns of existsSync(runtimeRoots) ? readdirSync(runtimeRoots) : []) {
      const root = join(runtimeRoots, ns);
      const ids = spawnSync(wrapper, ['--root', root, 'list', '-q'], { encoding: 'utf8' }).stdout ?? '';
      for (const id of ids.split('\n').filter(Boolean))
        spawnSync(wrapper, ['--root', root, 'delete', '--force', id], { stdio: 'ignore' });
    }
    for (const m of mountsBelow(dir)) spawnSync('umount', ['-l', m]);
    for (const c of readdirSync('/sys/fs/cgroup')) removeCgroupTree(join('/sys/fs/cgroup', c, cgroupParent));
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await until('containerd', () => existsSync(sock) || containerd.exitCode !== null);
    if (containerd.exitCode !== null) throw new Error(`containerd exited with ${containerd.exitCode}`);
    dockerd = spawn(
      '/usr/sbin/dockerd',
      [
        '--config-file',
        join(dir, 'daemon.json'),
        '--data-root',
        join(dir, 'data'),
        '--exec-root',
        join(dir, 'x'),
        '--pidfile',
        join(dir, 'docker.pid'),
        '-H',
        `unix://${dockerSock}`,
        '--containerd',
        sock,
        '--containerd-namespace',
        'berth-test',
        '--containerd-plugins-namespace',
        'berth-test-plugins',
        '--bridge',
        'none',
        '--iptables=false',
        '--ip-masq=false',
        '--cgroup-parent',
        cgroupParent,
        '--add-runtime',
        `${runtimeName}=${wrapper}`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    dockerd.stderr!.on('data', (d) => {
      stderr = (stderr + d).slice(-4000);
    });
    const d = dockerd;
    await until('dockerd', () => d.exitCode !== null || docker(['version'], { timeout: 5000 }).code === 0);
    if (d.exitCode !== null) throw new Error(`dockerd exited with ${d.exitCode}: ${stderr}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { dir, docker, dockerArgv, stop };
}
