import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { ExitStatus } from '../errors.js';
import { runAttachSession } from '../stream/attach-session.js';
import { forwardResizes } from '../terminal/resize.js';

interface ExecOptions {
  interactive?: boolean;
  tty?: boolean;
  detach?: boolean;
  env?: string[];
  user?: string;
  workdir?: string;
  privileged?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerExec(program: Command, ctx: CliContext, name = 'exec'): void {
  program
    .command(name)
    .description('Execute a command in a running container')
    .usage('[OPTIONS] CONTAINER COMMAND [ARG...]')
    .argument('<container>')
    .argument('<command...>')
    .option('-i, --interactive', 'keep STDIN open even if not attached')
    .option('-t, --tty', 'allocate a pseudo-TTY')
    .option('-d, --detach', 'detached mode: run command in the background')
    .option('-e, --env <env>', 'set environment variables', collect)
    .option('-u, --user <user>', 'username or UID (format: <name|uid>[:<group|gid>])')
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('--privileged', 'give extended privileges to the command')
    .passThroughOptions()
    .action(async (container: string, command: string[], options: ExecOptions) => {
      const client = ctx.client();
      const tty = options.tty === true;
      const stdin = options.interactive === true && !options.detach;
      const created = await client.json<{ Id: string }>(
        'POST',
        `/containers/${encodeURIComponent(container)}/exec`,
        {
          body: {
            AttachStdin: stdin,
            AttachStdout: !options.detach,
            AttachStderr: !options.detach,
            Tty: tty,
            Env: options.env ?? [],
            Cmd: command,
            Privileged: options.privileged === true,
            ...(options.user ? { User: options.user } : {}),
            ...(options.workdir ? { WorkingDir: options.workdir } : {}),
          },
        },
      );
      const path = `/exec/${encodeURIComponent(created.Id)}`;
      if (options.detach) {
        await client.call('POST', `${path}/start`, { body: { Detach: true, Tty: tty } });
        return;
      }
      const { socket } = await client.hijack('POST', `${path}/start`, { body: { Detach: false, Tty: tty } });
      const stopResizing = tty
        ? forwardResizes(ctx.stdout, (h, w) => client.call('POST', `${path}/resize`, { query: { h, w } }))
        : () => undefined;
      try {
        await runAttachSession(ctx, socket, { tty, stdin });
      } finally {
        stopResizing();
      }
      const inspected = await client.json<{ ExitCode: number | null; Running?: boolean }>(
        'GET',
        `${path}/json`,
      );
      const code = inspected.ExitCode ?? 0;
      if (code !== 0) throw new ExitStatus(code);
    });
}
