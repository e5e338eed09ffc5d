import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { forEachTarget } from './for-each.js';

export function registerRmi(program: Command, ctx: CliContext, name = 'rmi'): void {
  program
    .command(name)
    .description('Remove one or more images')
    .usage('[OPTIONS] IMAGE [IMAGE...]')
    .argument('<images...>')
    .option('-f, --force', 'force removal of the image')
    .option('--no-prune', 'do not delete untagged parents')
    .action(async (images: string[], options: { force?: boolean; prune?: boolean }) => {
      await forEachTarget(ctx, images, async (image) => {
        const removed = await ctx
          .client()
          .json<{ Untagged?: string; Deleted?: string }[]>('DELETE', `/images/${encodeURI(image)}`, {
            query: { force: options.force, noprune: options.prune === false },
          });
        for (const item of removed ?? []) {
          if (item.Untagged) ctx.stdout.write(`Untagged: ${item.Untagged}\n`);
          if (item.Deleted) ctx.stdout.write(`Deleted: ${item.Deleted}\n`);
        }
      });
    });
}
