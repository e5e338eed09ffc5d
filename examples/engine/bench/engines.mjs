// Starting and stopping the engines the bench compares: berthd (this package's build), and where
// they run here, Debian's dockerd (with its managed containerd) and podman — each on private roots
// in a temp dir so that nothing touches the host's own engines.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

const DOCKER = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';

function ping(socketPath) {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping' }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

async function waitForSocket(socket, child, what) {
  const deadline = Date.now() + 60_000;
  while (!(await ping(socket))) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${what} did not answer within 60 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resident set size of a process and, optionally, its descendants named `also`. */
export function rssKiB(pid) {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

async function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

export async function startBerthd(dir, dist) {
  const socket = join(dir, 'berth.sock');
  const bridge = 'bbench0';
  // The default build is started through its bin, with the node options users get.
  const defaultDist = join(import.meta.dirname, '..', 'dist');
  const [command, first] =
    dist === defaultDist
      ? [join(import.meta.dirname, '..', 'bin', 'berthd.js'), []]
      : [process.execPath, [join(dist, 'berthd.js')]];
  const child = spawn(
    command,
    [
      ...first,
      '-H',
      `unix://${socket}`,
      '--data-root',
      join(dir, 'berth-data'),
      '--exec-root',
      join(dir, 'berth-run'),
      '--bridge-name',
      bridge,
      '--bip',
      '10.254.10.1/24',
      '--config-file',
      join(dir, 'no-daemon.json'),
    ],
    { stdio: 'ignore' },
  );
  await waitForSocket(socket, child, 'berthd');
  return {
    name: 'berthd',
    socket,
    rssKiB: () => rssKiB(child.pid),
    async stop() {
      spawnSync(DOCKER, ['-H', `unix://${socket}`, 'rm', '-f', ...psAll(socket)], { stdio: 'ignore' });
      await stopProcess(child);
      spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
      spawnSync('nft', ['delete', 'table', 'ip', `berth_${bridge}`], { stdio: 'ignore' });
    },
  };
}

function psAll(socket) {
  const r = spawnSync(DOCKER, ['-H', `unix://${socket}`, 'ps', '-aq'], { encoding: 'utf8' });
  return (r.stdout ?? '').split('\n').filter(Boolean);
}

/** Debian's dockerd with its own data/exec roots and bridge; `--iptables=false` keeps the host's firewall untouched. */
export async function startDockerd(dir, busyboxArchive) {
  if (!existsSync('/usr/sbin/dockerd')) return { skipped: 'dockerd not installed' };
  const socket = join(dir, 'docker.sock');
  const bridge = 'dbench0';
  spawnSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
  spawnSync('ip', ['addr', 'add', '10.254.20.1/24', 'dev', bridge]);
  spawnSync('ip', ['link', 'set', bridge, 'up']);
  const child = spawn(
    '/usr/sbin/dockerd',
    [
      '-H',
      `unix://${socket}`,
      '--data-root',
      join(dir, 'docker-data'),
      '--exec-root',
      join(dir, 'docker-run'),
      '--pidfile',
      join(dir, 'docker.pid'),
      '--bridge',
      bridge,
      '--iptables=false',
      '--ip-masq=false',
      '--storage-driver',
      'overlay2',
      '--config-file',
      join(dir, 'no-daemon.json'),
    ],
    { stdio: 'ignore' },
  );
  try {
    await waitForSocket(socket, child, 'dockerd');
    execFileSync(DOCKER, ['-H', `unix://${socket}`, 'load', '-i', busyboxArchive], { stdio: 'ignore' });
  } catch (err) {
    await stopProcess(child);
    spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
    return { skipped: `dockerd: ${err.message}` };
  }
  return {
    name: 'dockerd',
    socket,
    // dockerd's footprint includes the containerd it manages.
    rssKiB: () => rssKiB(child.pid) + childrenOf(child.pid).reduce((n, pid) => n + rssKiB(pid), 0),
    async stop() {
      spawnSync(DOCKER, ['-H', `unix://${socket}`, 'rm', '-f', ...psAll(socket)], { stdio: 'ignore' });
      await stopProcess(child);
      spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
    },
  };
}

/** podman on private storage; `--ulimit` because root here lacks CAP_SYS_RESOURCE (see notes/machine.md). */
export function podmanCommand(dir, busyboxArchive) {
  if (spawnSync('podman', ['--version']).status !== 0) return { skipped: 'podman not installed' };
  const base = ['--root', join(dir, 'podman-root'), '--runroot', join(dir, 'podman-run')];
  const load = spawnSync('podman', [...base, 'load', '-i', busyboxArchive], { encoding: 'utf8' });
  if (load.status !== 0) return { skipped: `podman load: ${load.stderr.trim()}` };
  return {
    args: (extra) => [
      ...base,
      'run',
      '--rm',
      // crun refuses this host's hybrid cgroup layout; runc runs.
      '--runtime',
      'runc',
      '--ulimit',
      'nofile=20000:20000',
      '--ulimit',
      'nproc=32768:32768',
      ...extra,
      'docker.io/library/busybox:latest',
      'true',
    ],
    cleanup() {
      spawnSync('podman', [...base, 'system', 'reset', '-f'], { stdio: 'ignore' });
      spawnSync('ip', ['link', 'del', 'podman0'], { stdio: 'ignore' });
    },
  };
}

export { DOCKER };

/** Unmounts whatever the engines left mounted below `dir` (netns files, overlay mounts), deepest first. */
export function unmountBelow(dir) {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p) => p?.startsWith(dir))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
}
