import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { buildRouter } from '../api/routes/index.js';
import { ApiServer } from '../api/server.js';
import { ConfigError, type DaemonFlags, loadConfig } from './config.js';
import { Daemon } from './daemon.js';
import { getgrnam } from './group.js';
import { IdleMemoryTrim } from './idle-memory-trim.js';
import { createLogger } from './logger.js';
import { ENGINE_VERSION } from './version.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

const program = new Command('berthd')
  .description('The Berth engine: the Docker Engine API on a Unix socket.')
  .version(ENGINE_VERSION, '-v, --version')
  .option('-H, --host <address>', 'daemon socket to listen on (unix://PATH)', collect)
  .option('--data-root <dir>', 'root of persistent state (default /var/lib/berth)')
  .option('--exec-root <dir>', 'root of runtime state (default /run/berth)')
  .option('--config-file <file>', 'daemon configuration file (default /etc/berth/daemon.json)')
  .option('-p, --pidfile <file>', 'path of the pid file (default <exec-root>/berthd.pid)')
  .option('-s, --storage-driver <name>', 'storage driver: overlay or vfs')
  .option('--registry-mirror <url>', 'preferred Docker Hub mirror', collect)
  .option('--insecure-registry <host>', 'registry reached over plain HTTP or unverified TLS', collect)
  .addOption(
    new Option('-l, --log-level <level>', 'log level').choices(['debug', 'info', 'warn', 'error', 'fatal']),
  )
  .option('-D, --debug', 'debug logging')
  .option('--bip <cidr>', "the default bridge's address, e.g. 172.30.0.1/16")
  .option('--bridge-name <name>', 'name of the default bridge (default berth0); one per daemon')
  .option('--log-driver <name>', "containers' default log driver: json-file (default) or none")
  .option('--log-opt <key=value>', "containers' default log driver options", collect)
  .allowExcessArguments(false);

async function main(): Promise<void> {
  program.parse();
  const flags = program.opts<DaemonFlags>();
  const config = await loadConfig(flags);
  const logger = createLogger(config.logLevel);
  assertNotRunning(config.pidfile);
  const daemon = await Daemon.open(config, logger);
  const idleTrim = new IdleMemoryTrim();
  const server = new ApiServer({
    router: buildRouter(daemon),
    logger,
    onRequest: () => idleTrim.activity(),
    ...(getgrnam('berth') !== undefined ? { socketGroupId: getgrnam('berth') as number } : {}),
  });
  await server.listen(config.socket);
  await writeFile(config.pidfile, `${process.pid}\n`);
  logger.info(`API listening on ${config.socket}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: shutting down (containers keep running)`);
    idleTrim.stop();
    await server.close();
    await daemon.close();
    await rm(config.pidfile, { force: true });
    await rm(config.socket, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/** Two daemons on one pid file would share state: refuse, as dockerd does. */
function assertNotRunning(pidfile: string): void {
  let pid: number;
  try {
    pid = Number(readFileSync(pidfile, 'utf8').trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // stale
  }
  throw new ConfigError(`pid file found, ensure berthd is not running or delete ${pidfile} (pid ${pid})`);
}

main().catch((err) => {
  const message = err instanceof ConfigError ? err.message : ((err as Error).stack ?? String(err));
  process.stderr.write(`berthd: ${message}\n`);
  process.exit(1);
});
