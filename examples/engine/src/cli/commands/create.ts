import type { Command } from 'commander';
import { createContainer } from '../container/create-container.js';
import type { CliContext } from '../context.js';
import { addContainerFlags, buildCreateBody, type ContainerFlags } from '../options/container-options.js';

export function registerCreate(program: Command, ctx: CliContext, name = 'create'): void {
  const command = program
    .command(name)
    .description('Create a new container')
    .usage('[OPTIONS] IMAGE [COMMAND] [ARG...]')
    .argument('<image>')
    .argument('[command...]')
    .passThroughOptions();
  addContainerFlags(command).action(async (image: string, args: string[], flags: ContainerFlags) => {
    const body = buildCreateBody(image, args, flags, { stdin: false, stdout: false });
    const id = await createContainer(ctx, body, {
      name: flags.name,
      platform: flags.platform,
      pull: flags.pull,
    });
    ctx.stdout.write(`${id}\n`);
  });
}
