import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { forEachTarget } from './for-each.js';

const containerPath = (name: string) => `/containers/${encodeURIComponent(name)}`;

/** `stop`, `restart`, `kill`, `rm`, `wait`: one request per container, its name echoed as docker does. */
export function registerLifecycle(program: Command, ctx: CliContext): void {
  for (const [command, description] of [
    ['stop', 'Stop one or more running containers'],
    ['restart', 'Restart one or more containers'],
  ] as const) {
    program
      .command(command)
      .description(description)
      .usage('[OPTIONS] CONTAINER [CONTAINER...]')
      .argument('<containers...>')
      .option('-t, --time <seconds>', 'seconds to wait before killing the container')
      .option('-s, --signal <signal>', 'signal to send to the container')
      .action(async (names: string[], options: { time?: string; signal?: string }) => {
        await forEachTarget(ctx, names, async (name) => {
          await ctx.client().call('POST', `${containerPath(name)}/${command}`, {
            query: { t: options.time, signal: options.signal },
          });
          ctx.stdout.write(`${name}\n`);
        });
      });
  }

  program
    .command('kill')
    .description('Kill one or more running containers')
    .usage('[OPTIONS] CONTAINER [CONTAINER...]')
    .argument('<containers...>')
    .option('-s, --signal <signal>', 'signal to send to the container', 'KILL')
    .action(async (names: string[], options: { signal: string }) => {
      await forEachTarget(ctx, names, async (name) => {
        await ctx.client().call('POST', `${containerPath(name)}/kill`, { query: { signal: options.signal } });
        ctx.stdout.write(`${name}\n`);
      });
    });

  program
    .command('rm')
    .description('Remove one or more containers')
    .usage('[OPTIONS] CONTAINER [CONTAINER...]')
    .argument('<containers...>')
    .option('-f, --force', 'force the removal of a running container (uses SIGKILL)')
    .option('-v, --volumes', 'remove anonymous volumes associated with the container')
    .option('-l, --link', 'remove the specified link')
    .action(async (names: string[], options: { force?: boolean; volumes?: boolean; link?: boolean }) => {
      await forEachTarget(ctx, names, async (name) => {
        await ctx.client().call('DELETE', containerPath(name), {
          query: { force: options.force, v: options.volumes, link: options.link },
        });
        ctx.stdout.write(`${name}\n`);
      });
    });

  program
    .command('wait')
    .description('Block until one or more containers stop, then print their exit codes')
    .usage('CONTAINER [CONTAINER...]')
    .argument('<containers...>')
    .action(async (names: string[]) => {
      await forEachTarget(ctx, names, async (name) => {
        const result = await ctx.client().json<{ StatusCode: number }>('POST', `${containerPath(name)}/wait`);
        ctx.stdout.write(`${result.StatusCode}\n`);
      });
    });
}
