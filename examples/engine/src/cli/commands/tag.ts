import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { imageReference } from '../options/reference.js';

export function registerTag(program: Command, ctx: CliContext, name = 'tag'): void {
  program
    .command(name)
    .description('Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE')
    .usage('SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]')
    .argument('<source>')
    .argument('<target>')
    .action(async (source: string, target: string) => {
      const ref = await imageReference(target);
      if (ref.digest) throw new CliError('refusing to create a tag with a digest reference');
      await ctx.client().call('POST', `/images/${encodeURI(source)}/tag`, {
        query: { repo: ref.familiarName, tag: ref.tag ?? 'latest' },
      });
    });
}
