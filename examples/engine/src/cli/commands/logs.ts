import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { timestampParam } from '../output/human-time.js';
import { copyContainerOutput } from '../stream/demux.js';

interface LogsOptions {
  follow?: boolean;
  timestamps?: boolean;
  tail?: string;
  since?: string;
  until?: string;
  details?: boolean;
}

function timeOption(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  try {
    return timestampParam(value);
  } catch {
    throw new CliError(`invalid value for "${flag}": failed to parse value as time or duration: "${value}"`);
  }
}

export function registerLogs(program: Command, ctx: CliContext, name = 'logs'): void {
  program
    .command(name)
    .description('Fetch the logs of a container')
    .usage('[OPTIONS] CONTAINER')
    .argument('<container>')
    .option('-f, --follow', 'follow log output')
    .option('-t, --timestamps', 'show timestamps')
    .option('-n, --tail <n>', 'number of lines to show from the end of the logs', 'all')
    .option('--since <time>', 'show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m)')
    .option('--until <time>', 'show logs before a timestamp or relative (e.g. 42m)')
    .option('--details', 'show extra details provided to logs')
    .action(async (container: string, options: LogsOptions) => {
      const client = ctx.client();
      const path = `/containers/${encodeURIComponent(container)}`;
      // The container's TTY decides the framing (as docker decides it): raw bytes, or stdout/stderr multiplexed.
      const info = await client.json<{ Config?: { Tty?: boolean } }>('GET', `${path}/json`);
      const res = await client.request('GET', `${path}/logs`, {
        query: {
          stdout: true,
          stderr: true,
          follow: options.follow,
          timestamps: options.timestamps,
          details: options.details,
          tail: options.tail,
          since: timeOption(options.since, '--since'),
          until: timeOption(options.until, '--until'),
        },
      });
      await copyContainerOutput(res, {
        tty: info.Config?.Tty === true,
        stdout: ctx.stdout,
        stderr: ctx.stderr,
      });
    });
}
