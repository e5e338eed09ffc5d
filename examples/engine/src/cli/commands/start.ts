import type { Command } from 'commander';
import { watchExit } from '../container/wait-exit.js';
import type { CliContext } from '../context.js';
import { CliError, ExitStatus } from '../errors.js';
import { runAttachSession } from '../stream/attach-session.js';
import { forwardResizes } from '../terminal/resize.js';
import { forEachTarget } from './for-each.js';

interface ContainerJson {
  Id: string;
  Config?: { Tty?: boolean; OpenStdin?: boolean };
}

/** `start -a`: attach first, then start, then exit with the container's code (like `run`). */
async function startAttached(ctx: CliContext, name: string, interactive: boolean): Promise<number> {
  const client = ctx.client();
  const path = `/containers/${encodeURIComponent(name)}`;
  const container = await client.json<ContainerJson>('GET', `${path}/json`);
  const tty = container.Config?.Tty === true;
  const stdin = interactive && container.Config?.OpenStdin === true;
  const { socket } = await client.hijack('POST', `${path}/attach`, {
    query: { stream: true, stdin, stdout: true, stderr: true },
  });
  const exit = watchExit(client, container.Id, 'next-exit');
  await exit.registered;
  const session = runAttachSession(ctx, socket, { tty, stdin });
  await client.call('POST', `${path}/start`);
  const stopResizing = tty
    ? forwardResizes(ctx.stdout, (h, w) => client.call('POST', `${path}/resize`, { query: { h, w } }))
    : () => undefined;
  try {
    await session;
    return await exit.exitCode;
  } finally {
    stopResizing();
  }
}

export function registerStart(program: Command, ctx: CliContext, name = 'start'): void {
  program
    .command(name)
    .description('Start one or more stopped containers')
    .usage('[OPTIONS] CONTAINER [CONTAINER...]')
    .argument('<containers...>')
    .option('-a, --attach', 'attach STDOUT/STDERR and forward signals')
    .option('-i, --interactive', "attach container's STDIN")
    .action(async (names: string[], options: { attach?: boolean; interactive?: boolean }) => {
      if (options.attach || options.interactive) {
        if (names.length > 1) throw new CliError('you cannot start and attach multiple containers at once');
        const code = await startAttached(ctx, names[0] as string, options.interactive === true);
        if (code !== 0) throw new ExitStatus(code);
        return;
      }
      await forEachTarget(ctx, names, async (container) => {
        await ctx.client().call('POST', `/containers/${encodeURIComponent(container)}/start`);
        ctx.stdout.write(`${container}\n`);
      });
    });
}
