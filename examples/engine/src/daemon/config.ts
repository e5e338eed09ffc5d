import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { checkLogConfig, defaultLogConfig, type LogConfig, LogConfigError } from '../logging/log-config.js';
import type { LogLevel } from './logger.js';

export const DEFAULT_CONFIG_FILE = '/etc/berth/daemon.json';

/** The daemon's settings after flags and the config file are merged. */
export interface DaemonConfig {
  /** Unix socket the API listens on. */
  socket: string;
  dataRoot: string;
  execRoot: string;
  pidfile: string;
  storageDriver: 'overlay' | 'vfs';
  registryMirrors: string[];
  insecureRegistries: string[];
  /** The default bridge's address (`bip`, e.g. `172.17.0.1/16`). */
  bip?: string;
  defaultAddressPools: { base: string; size: number }[];
  maxConcurrentDownloads: number;
  maxConcurrentUploads: number;
  logLevel: LogLevel;
  /** Name of the default bridge (`docker0` for dockerd); several daemons side by side need distinct ones. */
  bridgeName: string;
  /** Prefix for kernel object names (bridges, veths, nft table, cgroup parent) of this daemon. */
  labels: string[];
  /** Run an init (tini) as PID 1 of every container that does not say otherwise (`docker run --init`). */
  init: boolean;
  /** The static init binary bind-mounted at /sbin/docker-init. */
  initPath: string;
  /** Containers' log driver and options when they ask for none (`log-driver`, `log-opts`). */
  logConfig: LogConfig;
}

/** daemon.json, with Docker's key names where they overlap. Unknown keys are rejected, as dockerd does. */
const fileSchema = z
  .object({
    'data-root': z.string().min(1),
    'exec-root': z.string().min(1),
    pidfile: z.string().min(1),
    hosts: z.array(z.string()),
    'storage-driver': z.enum(['overlay', 'overlay2', 'vfs']),
    'registry-mirrors': z.array(z.url()),
    'insecure-registries': z.array(z.string().min(1)),
    bip: z.string().regex(/^\d+\.\d+\.\d+\.\d+\/\d+$/, 'expected an address with prefix, e.g. 172.17.0.1/16'),
    'default-address-pools': z.array(z.object({ base: z.string(), size: z.number().int().min(1).max(32) })),
    'max-concurrent-downloads': z.number().int().min(1),
    'max-concurrent-uploads': z.number().int().min(1),
    'log-level': z.enum(['debug', 'info', 'warn', 'error', 'fatal']),
    'bridge-name': z.string().min(1).max(15),
    labels: z.array(z.string()),
    debug: z.boolean(),
    init: z.boolean(),
    'init-path': z.string().min(1),
    'log-driver': z.string().min(1),
    'log-opts': z.record(z.string(), z.string()),
  })
  .partial()
  .strict();

export type DaemonConfigFile = z.infer<typeof fileSchema>;

export class ConfigError extends Error {
  readonly code = 'ERR_CONFIG_INVALID';
}

/** Reads and validates a daemon.json; a missing default file is an empty config, a missing named one an error. */
export async function readConfigFile(path: string, required: boolean): Promise<DaemonConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !required) return {};
    throw new ConfigError(`unable to read config file ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = fileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key =
      issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : (issue?.path.join('.') ?? '(root)');
    const why = issue?.code === 'unrecognized_keys' ? 'unknown key' : issue?.message;
    throw new ConfigError(`config file ${path}: ${key}: ${why}`);
  }
  return parsed.data;
}

export interface DaemonFlags {
  host?: string[];
  dataRoot?: string;
  execRoot?: string;
  configFile?: string;
  pidfile?: string;
  storageDriver?: string;
  registryMirror?: string[];
  insecureRegistry?: string[];
  logLevel?: string;
  bip?: string;
  bridgeName?: string;
  debug?: boolean;
  logDriver?: string;
  /** `--log-opt KEY=VALUE`, repeatable. */
  logOpt?: string[];
}

function socketPath(host: string): string {
  if (host.startsWith('unix://')) return host.slice('unix://'.length);
  if (host.startsWith('/')) return host;
  throw new ConfigError(`unsupported host ${host}: only unix:// sockets are served`);
}

/**
 * Flags win over the file, as with dockerd, except that setting the same key in both is an
 * error there; here the flag simply wins.
 */
export async function loadConfig(flags: DaemonFlags): Promise<DaemonConfig> {
  const file = await readConfigFile(flags.configFile ?? DEFAULT_CONFIG_FILE, flags.configFile !== undefined);
  const hosts = flags.host?.length ? flags.host : (file.hosts ?? ['unix:///run/berth/berth.sock']);
  if (hosts.length !== 1) throw new ConfigError('exactly one host (-H unix://PATH) is supported');
  const execRoot = flags.execRoot ?? file['exec-root'] ?? '/run/berth';
  const driver = flags.storageDriver ?? file['storage-driver'] ?? 'overlay';
  if (!['overlay', 'overlay2', 'vfs'].includes(driver)) {
    throw new ConfigError(`storage-driver: unknown driver ${driver} (overlay, vfs)`);
  }
  const logLevel = flags.debug || file.debug ? 'debug' : (flags.logLevel ?? file['log-level'] ?? 'info');
  if (!['debug', 'info', 'warn', 'error', 'fatal'].includes(logLevel)) {
    throw new ConfigError(`log-level: unknown level ${logLevel}`);
  }
  return {
    socket: socketPath(hosts[0] as string),
    dataRoot: flags.dataRoot ?? file['data-root'] ?? '/var/lib/berth',
    execRoot,
    pidfile: flags.pidfile ?? file.pidfile ?? `${execRoot}/berthd.pid`,
    storageDriver: driver === 'vfs' ? 'vfs' : 'overlay',
    registryMirrors: [...(file['registry-mirrors'] ?? []), ...(flags.registryMirror ?? [])],
    insecureRegistries: [...(file['insecure-registries'] ?? []), ...(flags.insecureRegistry ?? [])],
    ...((flags.bip ?? file.bip) ? { bip: (flags.bip ?? file.bip) as string } : {}),
    defaultAddressPools: file['default-address-pools'] ?? [],
    maxConcurrentDownloads: file['max-concurrent-downloads'] ?? 3,
    maxConcurrentUploads: file['max-concurrent-uploads'] ?? 5,
    logLevel: logLevel as LogLevel,
    bridgeName: flags.bridgeName ?? file['bridge-name'] ?? 'berth0',
    labels: file.labels ?? [],
    init: file.init ?? false,
    initPath: file['init-path'] ?? defaultInitPath(),
    logConfig: containerLogDefault(flags, file),
  };
}

/**
 * The log config containers get by default: flags over the file (options by key), checked now
 * so that a bad one stops the daemon at start, as with dockerd, not each container later.
 */
function containerLogDefault(flags: DaemonFlags, file: DaemonConfigFile): LogConfig {
  const builtIn = defaultLogConfig();
  const fromFlags: Record<string, string> = {};
  for (const pair of flags.logOpt ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConfigError(`log-opt: expected KEY=VALUE, got '${pair}'`);
    fromFlags[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const config: LogConfig = {
    Type: flags.logDriver ?? file['log-driver'] ?? builtIn.Type,
    Config: { ...(file['log-opts'] ?? builtIn.Config), ...fromFlags },
  };
  try {
    checkLogConfig(config);
  } catch (err) {
    if (!(err instanceof LogConfigError)) throw err;
    throw new ConfigError(`${err.part === 'driver' ? 'log-driver' : 'log-opts'}: ${err.message}`);
  }
  return config;
}

/** tini-static works in any image (no libc needed); Debian's docker.io and tini packages ship it. */
function defaultInitPath(): string {
  return (
    ['/usr/bin/tini-static', '/usr/bin/docker-init', '/usr/bin/tini'].find((p) => existsSync(p)) ??
    '/usr/bin/tini-static'
  );
}
