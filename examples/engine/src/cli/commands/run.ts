import type { Command } from 'commander';
import { createContainer } from '../container/create-container.js';
import { proxySignals } from '../container/signal-proxy.js';
import { watchExit } from '../container/wait-exit.js';
import type { CliContext } from '../context.js';
import { CliError, DaemonError, describeError, ExitStatus } from '../errors.js';
import { addContainerFlags, buildCreateBody, type ContainerFlags } from '../options/container-options.js';
import { runAttachSession } from '../stream/attach-session.js';
import { forwardResizes } from '../terminal/resize.js';

interface RunFlags extends ContainerFlags {
  detach?: boolean;
  sigProxy?: boolean;
}

/** Docker's exit status when the container's command could not be run at all. */
function startFailureStatus(message: string): number {
  if (/executable file not found|no such file or directory|not found/i.test(message)) return 127;
  if (/permission denied|exec format error/i.test(message)) return 126;
  return 125;
}

/** Docker reports run's own failures as `docker: <error>.` and status 125 (126/127 for a bad command). */
function runFailure(err: unknown, status = 125): never {
  if (err instanceof ExitStatus) throw err;
  const text = describeError(err).replace(/\.?$/, '.');
  throw new CliError(`berth: ${text}\nSee 'berth run --help'.`, status);
}

/** create → attach (before start, so no output is lost) → start → wait; answers the container's exit code. */
export async function runContainer(
  ctx: CliContext,
  image: string,
  command: string[],
  flags: RunFlags,
): Promise<number> {
  const client = ctx.client();
  const attach = !flags.detach;
  let id: string;
  try {
    const body = buildCreateBody(image, command, flags, {
      stdin: attach && flags.interactive === true,
      stdout: attach,
    });
    id = await createContainer(ctx, body, { name: flags.name, platform: flags.platform, pull: flags.pull });
  } catch (err) {
    runFailure(err);
  }
  const path = `/containers/${encodeURIComponent(id)}`;
  if (flags.detach) {
    try {
      await client.call('POST', `${path}/start`);
    } catch (err) {
      runFailure(err, startFailureStatus(describeError(err)));
    }
    ctx.stdout.write(`${id}\n`);
    return 0;
  }

  const tty = flags.tty === true;
  const stdin = flags.interactive === true;
  const { socket } = await client
    .hijack('POST', `${path}/attach`, { query: { stream: true, stdin, stdout: true, stderr: true } })
    .catch((err) => runFailure(err));
  const exit = watchExit(client, id, flags.rm ? 'removed' : 'next-exit');
  await exit.registered;
  const session = runAttachSession(ctx, socket, { tty, stdin });
  try {
    await client.call('POST', `${path}/start`);
  } catch (err) {
    socket.destroy();
    await session.catch(() => undefined);
    if (flags.rm) await client.call('DELETE', path, { query: { force: true } }).catch(() => undefined);
    runFailure(err, startFailureStatus(describeError(err)));
  }
  const stopResizing = tty
    ? forwardResizes(ctx.stdout, (h, w) => client.call('POST', `${path}/resize`, { query: { h, w } }))
    : () => undefined;
  const stopProxy = !tty && flags.sigProxy !== false ? proxySignals(client, id) : () => undefined;
  try {
    await session;
    return await exit.exitCode;
  } catch (err) {
    if (err instanceof DaemonError && err.status === 404 && flags.rm) return 0;
    throw err;
  } finally {
    stopResizing();
    stopProxy();
  }
}

export function registerRun(program: Command, ctx: CliContext, name = 'run'): void {
  const command = program
    .command(name)
    .description('Run a command in a new container')
    .usage('[OPTIONS] IMAGE [COMMAND] [ARG...]')
    .argument('<image>')
    .argument('[command...]')
    .option('-d, --detach', 'run container in background and print container ID')
    .option('--no-sig-proxy', 'do not proxy received signals to the process')
    .passThroughOptions();
  addContainerFlags(command).action(async (image: string, args: string[], flags: RunFlags) => {
    const code = await runContainer(ctx, image, args, flags);
    if (code !== 0) throw new ExitStatus(code);
  });
}
