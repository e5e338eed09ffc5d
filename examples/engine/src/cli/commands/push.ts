import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { imageReference } from '../options/reference.js';
import { registryAuthHeader } from '../registry-auth.js';
import { drainProgress, showProgress } from '../stream/progress-stream.js';

export function registerPush(program: Command, ctx: CliContext, name = 'push'): void {
  program
    .command(name)
    .description('Upload an image to a registry')
    .usage('[OPTIONS] NAME[:TAG]')
    .argument('<name>')
    .option('-a, --all-tags', 'push all tags of the repository')
    .option('-q, --quiet', 'suppress verbose output')
    .action(async (name: string, options: { allTags?: boolean; quiet?: boolean }) => {
      const ref = await imageReference(name);
      const tag = options.allTags ? undefined : (ref.tag ?? 'latest');
      if (!options.allTags && !ref.tag) ctx.stdout.write('Using default tag: latest\n');
      const res = await ctx.client().request('POST', `/images/${encodeURI(ref.familiarName)}/push`, {
        query: { tag },
        headers: registryAuthHeader(),
      });
      if (options.quiet) {
        await drainProgress(res);
        ctx.stdout.write(`${ref.familiarName}${tag ? `:${tag}` : ''}\n`);
      } else {
        await showProgress(res, ctx.stdout);
      }
    });
}
