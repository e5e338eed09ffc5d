import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';

export function registerSave(program: Command, ctx: CliContext, name = 'save'): void {
  program
    .command(name)
    .description('Save one or more images to a tar archive (streamed to STDOUT by default)')
    .usage('[OPTIONS] IMAGE [IMAGE...]')
    .argument('<images...>')
    .option('-o, --output <file>', 'write to a file, instead of STDOUT')
    .action(async (images: string[], options: { output?: string }) => {
      if (!options.output && ctx.stdout.isTTY) {
        throw new CliError('cowardly refusing to save to a terminal. Use the -o flag or redirect');
      }
      const res = await ctx.client().request('GET', '/images/get', { query: { names: images } });
      if (!options.output) {
        await pipeline(res, ctx.stdout, { end: false });
        return;
      }
      // Written beside the target and renamed, so a failed save leaves no partial archive.
      const partial = `${options.output}.partial-${process.pid}`;
      try {
        await pipeline(res, createWriteStream(partial));
        await rename(partial, options.output);
      } catch (err) {
        await rm(partial, { force: true });
        throw err;
      }
    });
}
