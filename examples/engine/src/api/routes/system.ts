import { readFileSync } from 'node:fs';
import { arch, cpus, hostname, release, totalmem } from 'node:os';
import { hostPlatform } from '@berth/image-spec';
import { z } from 'zod';
import { pruneBuildCache } from '../../build/build-cache-prune.js';
import type { Daemon } from '../../daemon/daemon.js';
import { ENGINE_VERSION } from '../../daemon/version.js';
import { eventMatches, parseEventTime } from '../../events/event-bus.js';
import { login } from '../../images/registry-login.js';
import { API_VERSION, MIN_API_VERSION } from '../api-version.js';
import { queryFilters, readJson } from '../request-body.js';
import { startJsonStream } from '../response.js';
import type { RequestContext, Router } from '../router.js';

function osName(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text)?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}

function ping(ctx: RequestContext): void {
  ctx.res.writeHead(200, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    Pragma: 'no-cache',
    'Builder-Version': '1',
    Swarm: 'inactive',
  });
  ctx.res.end(ctx.req.method === 'HEAD' ? undefined : 'OK');
}

function version(daemon: Daemon) {
  const details = {
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    Arch: hostPlatform().architecture,
    Os: 'linux',
    KernelVersion: release(),
    GitCommit: '',
    GoVersion: `node ${process.version}`,
    BuildTime: daemon.startedAt.toISOString(),
  };
  return {
    Platform: { Name: 'Berth Engine' },
    Components: [{ Name: 'Engine', Version: ENGINE_VERSION, Details: details }],
    Version: ENGINE_VERSION,
    ...details,
  };
}

function containerCounts(daemon: Daemon): Record<string, number> {
  const rows = daemon.db
    .prepare(
      "SELECT json_extract(state, '$.Status') AS status, count(*) AS n FROM containers GROUP BY status",
    )
    .all() as { status: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

function info(daemon: Daemon) {
  const counts = containerCounts(daemon);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const cgroup2Only = (() => {
    try {
      return readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8') !== undefined;
    } catch {
      return false;
    }
  })();
  const { config } = daemon;
  return {
    ID: daemon.id,
    Containers: total,
    ContainersRunning: counts.running ?? 0,
    ContainersPaused: counts.paused ?? 0,
    ContainersStopped: total - (counts.running ?? 0) - (counts.paused ?? 0),
    Images: daemon.images.list().length,
    Driver: config.storageDriver === 'overlay' ? 'overlay2' : 'vfs',
    DriverStatus: [['Backing Filesystem', 'extfs']],
    Plugins: { Volume: [], Network: ['bridge', 'host', 'none'], Authorization: null, Log: ['json-file'] },
    MemoryLimit: true,
    SwapLimit: false,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: true,
    PidsLimit: true,
    OomKillDisable: false,
    IPv4Forwarding: true,
    Debug: config.logLevel === 'debug',
    NFd: 0,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: config.logConfig.Type,
    CgroupDriver: 'cgroupfs',
    CgroupVersion: cgroup2Only ? '2' : '1',
    NEventsListener: 0,
    KernelVersion: release(),
    OperatingSystem: osName(),
    OSVersion: '',
    OSType: 'linux',
    Architecture: arch() === 'x64' ? 'x86_64' : arch(),
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: {
      InsecureRegistryCIDRs: ['127.0.0.0/8'],
      IndexConfigs: {},
      Mirrors: config.registryMirrors,
    },
    NCPU: cpus().length,
    MemTotal: totalmem(),
    DockerRootDir: config.dataRoot,
    Name: hostname(),
    Labels: config.labels,
    ExperimentalBuild: false,
    ServerVersion: ENGINE_VERSION,
    Runtimes: { berth: { path: 'berth-runtime' } },
    DefaultRuntime: 'berth',
    Swarm: {
      NodeID: '',
      NodeAddr: '',
      LocalNodeState: 'inactive',
      ControlAvailable: false,
      Error: '',
      RemoteManagers: null,
    },
    LiveRestoreEnabled: true,
    Isolation: '',
    InitBinary: '',
    ContainerdCommit: { ID: '' },
    RuncCommit: { ID: '' },
    InitCommit: { ID: '' },
    SecurityOptions: ['name=seccomp,profile=builtin'],
    Warnings: [],
  };
}

/** `/events`: past events since `since`, then live ones until `until` or the client leaves. */
function events(daemon: Daemon, ctx: RequestContext): Promise<void> {
  const filters = queryFilters(ctx.query);
  const since = parseEventTime(ctx.query.get('since'));
  const until = parseEventTime(ctx.query.get('until'));
  const send = startJsonStream(ctx.res);
  return new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
      daemon.shutdown.signal.removeEventListener('abort', finish);
      ctx.res.end();
      resolve();
    };
    const unsubscribe = daemon.events.subscribe((event) => {
      if (until !== undefined && event.timeNano / 1e9 > until) return;
      if (eventMatches(event, filters)) send(event);
    }, since);
    if (until !== undefined) timer = setTimeout(finish, Math.max(0, until * 1000 - Date.now()));
    ctx.req.socket.once('close', finish);
    daemon.shutdown.signal.addEventListener('abort', finish);
  });
}

const authBody = z
  .object({
    username: z.string().optional(),
    password: z.string().optional(),
    auth: z.string().optional(),
    email: z.string().optional(),
    serveraddress: z.string().optional(),
    identitytoken: z.string().optional(),
    registrytoken: z.string().optional(),
  })
  .loose();

export function registerSystemRoutes(router: Router, daemon: Daemon): void {
  router.get('/_ping', ping);
  router.head('/_ping', ping);
  router.get('/version', () => version(daemon));
  router.get('/info', () => info(daemon));
  router.get('/events', (ctx) => events(daemon, ctx));
  router.post('/auth', async (ctx) => login(daemon, await readJson(ctx.req, authBody)));
  router.post('/build/prune', (ctx) => pruneBuildCache(daemon, ctx.query));
}
