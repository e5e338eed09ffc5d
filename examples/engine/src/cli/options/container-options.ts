import { type Command, Option } from 'commander';
import { CliError } from '../errors.js';
import { ramInBytes } from '../output/units.js';
import { parseExpose, parsePublish } from './ports.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The flags `run` and `create` share. */
export interface ContainerFlags {
  interactive?: boolean;
  tty?: boolean;
  name?: string;
  publish?: string[];
  publishAll?: boolean;
  expose?: string[];
  volume?: string[];
  env?: string[];
  network?: string;
  networkAlias?: string[];
  ip?: string;
  entrypoint?: string;
  workdir?: string;
  user?: string;
  restart?: string;
  memory?: string;
  cpus?: string;
  hostname?: string;
  readOnly?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  label?: string[];
  logDriver?: string;
  logOpt?: string[];
  rm?: boolean;
  stopSignal?: string;
  stopTimeout?: string;
  platform?: string;
  pull?: string;
}

/** `--log-opt key=value`, as docker's CLI reads them (a key without `=` is an error). */
function parseLogOpts(opts: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const opt of opts) {
    const eq = opt.indexOf('=');
    if (eq <= 0) throw new CliError(`invalid key/value pair format in logging opts: ${opt}`);
    out[opt.slice(0, eq)] = opt.slice(eq + 1);
  }
  return out;
}

export function addContainerFlags(command: Command): Command {
  return command
    .option('-i, --interactive', 'keep STDIN open even if not attached')
    .option('-t, --tty', 'allocate a pseudo-TTY')
    .option('--name <name>', 'assign a name to the container')
    .option('-p, --publish <ports>', "publish a container's port(s) to the host", collect)
    .option('-P, --publish-all', 'publish all exposed ports to random ports')
    .option('--expose <port>', 'expose a port or a range of ports', collect)
    .option('-v, --volume <bind>', 'bind mount a volume (HOST:CONTAINER[:ro])', collect)
    .option('-e, --env <env>', 'set environment variables', collect)
    .option('--network <network>', 'connect a container to a network')
    .option('--network-alias <alias>', 'add network-scoped alias for the container', collect)
    .option('--ip <address>', 'IPv4 address (e.g., 172.30.100.104)')
    .option('--entrypoint <command>', 'overwrite the default ENTRYPOINT of the image')
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-u, --user <user>', 'username or UID (format: <name|uid>[:<group|gid>])')
    .option('--restart <policy>', 'restart policy to apply when a container exits', 'no')
    .option('-m, --memory <bytes>', 'memory limit')
    .option('--cpus <number>', 'number of CPUs')
    .option('-h, --hostname <name>', 'container host name')
    .option('--read-only', "mount the container's root filesystem as read only")
    .option('--cap-add <cap>', 'add Linux capabilities', collect)
    .option('--cap-drop <cap>', 'drop Linux capabilities', collect)
    .option('--privileged', 'give extended privileges to this container')
    .option('-l, --label <label>', 'set meta data on a container', collect)
    .option('--log-driver <driver>', 'logging driver for the container (json-file, none)')
    .option('--log-opt <option>', 'log driver options (e.g. max-size=10m, max-file=3)', collect)
    .option('--rm', 'automatically remove the container when it exits')
    .option('--stop-signal <signal>', 'signal to stop the container')
    .option('--stop-timeout <seconds>', 'timeout (in seconds) to stop a container')
    .option('--platform <platform>', 'set platform if server is multi-platform capable')
    .addOption(
      new Option('--pull <policy>', 'pull image before running')
        .choices(['always', 'missing', 'never'])
        .default('missing'),
    )
    .helpOption('--help', 'display help for command');
}

/** The body of `POST /containers/create`, built from the flags as docker builds it. */
export interface CreateBody {
  [key: string]: unknown;
  Image: string;
  HostConfig: Record<string, unknown>;
  NetworkingConfig?: { EndpointsConfig: Record<string, Record<string, unknown>> };
}

function parseRestart(policy: string): { Name: string; MaximumRetryCount: number } {
  const [name = 'no', count] = policy.split(':');
  if (!['no', 'always', 'unless-stopped', 'on-failure'].includes(name)) {
    throw new CliError(`invalid restart policy: ${policy}`);
  }
  if (count !== undefined && name !== 'on-failure') {
    throw new CliError(`invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  }
  const retries = count === undefined ? 0 : Number(count);
  if (!Number.isInteger(retries) || retries < 0) throw new CliError(`invalid restart policy: ${policy}`);
  return { Name: name, MaximumRetryCount: retries };
}

function parseEnv(entries: string[]): string[] {
  // `-e NAME` passes our own value of NAME, and nothing when we have none.
  return entries.flatMap((entry) => {
    if (entry.includes('=')) return [entry];
    const value = process.env[entry];
    return value === undefined ? [] : [`${entry}=${value}`];
  });
}

function parseLabels(entries: string[]): Record<string, string> {
  return Object.fromEntries(
    entries.map((entry) => {
      const at = entry.indexOf('=');
      return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
    }),
  );
}

function parseCpus(text: string): number {
  const cpus = Number(text);
  if (!Number.isFinite(cpus) || cpus < 0) throw new CliError(`invalid argument "${text}" for "--cpus" flag`);
  return Math.round(cpus * 1e9);
}

function consoleSize(out: NodeJS.WriteStream): [number, number] {
  const [width, height] = out.getWindowSize();
  return [height, width];
}

export function buildCreateBody(
  image: string,
  command: string[],
  flags: ContainerFlags,
  attach: { stdin: boolean; stdout: boolean },
): CreateBody {
  if (flags.rm && flags.restart && flags.restart !== 'no') {
    throw new CliError('Conflicting options: --restart and --rm');
  }
  const published = parsePublish(flags.publish ?? []);
  const exposed = { ...parseExpose(flags.expose ?? []), ...published.exposed };
  const binds = (flags.volume ?? []).filter((v) => v.includes(':'));
  const anonymous = (flags.volume ?? []).filter((v) => !v.includes(':'));
  let memory: number | undefined;
  if (flags.memory) {
    try {
      memory = ramInBytes(flags.memory);
    } catch (err) {
      throw new CliError(
        `invalid argument "${flags.memory}" for "-m, --memory" flag: ${(err as Error).message}`,
      );
    }
  }
  const network = flags.network;
  const endpoint: Record<string, unknown> = {};
  if (flags.networkAlias?.length) endpoint.Aliases = flags.networkAlias;
  if (flags.ip) endpoint.IPAMConfig = { IPv4Address: flags.ip };
  const body: CreateBody = {
    Hostname: flags.hostname ?? '',
    User: flags.user ?? '',
    AttachStdin: attach.stdin,
    AttachStdout: attach.stdout,
    AttachStderr: attach.stdout,
    Tty: flags.tty === true,
    OpenStdin: flags.interactive === true,
    StdinOnce: attach.stdin,
    Env: parseEnv(flags.env ?? []),
    Cmd: command.length ? command : null,
    Image: image,
    WorkingDir: flags.workdir ?? '',
    Labels: parseLabels(flags.label ?? []),
    ...(Object.keys(exposed).length ? { ExposedPorts: exposed } : {}),
    ...(anonymous.length ? { Volumes: Object.fromEntries(anonymous.map((v) => [v, {}])) } : {}),
    ...(flags.entrypoint !== undefined ? { Entrypoint: [flags.entrypoint] } : {}),
    ...(flags.stopSignal ? { StopSignal: flags.stopSignal } : {}),
    ...(flags.stopTimeout ? { StopTimeout: Number(flags.stopTimeout) } : {}),
    HostConfig: {
      Binds: binds.length ? binds : null,
      PortBindings: published.bindings,
      PublishAllPorts: flags.publishAll === true,
      RestartPolicy: parseRestart(flags.restart ?? 'no'),
      AutoRemove: flags.rm === true,
      NetworkMode: network ?? 'default',
      CapAdd: flags.capAdd ?? null,
      CapDrop: flags.capDrop ?? null,
      Privileged: flags.privileged === true,
      ReadonlyRootfs: flags.readOnly === true,
      ...(flags.logDriver || flags.logOpt?.length
        ? { LogConfig: { Type: flags.logDriver ?? '', Config: parseLogOpts(flags.logOpt ?? []) } }
        : {}),
      ...(memory !== undefined ? { Memory: memory } : {}),
      ...(flags.cpus ? { NanoCpus: parseCpus(flags.cpus) } : {}),
      // The TTY starts at our terminal's size (docker's ConsoleSize), before the first resize arrives.
      ...(flags.tty && process.stdout.isTTY ? { ConsoleSize: consoleSize(process.stdout) } : {}),
    },
  };
  if (network && Object.keys(endpoint).length)
    body.NetworkingConfig = { EndpointsConfig: { [network]: endpoint } };
  return body;
}
