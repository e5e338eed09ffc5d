import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { imageReference, repositoryAndTag } from '../options/reference.js';
import { registryAuthHeader } from '../registry-auth.js';
import { drainProgress, showProgress } from '../stream/progress-stream.js';

export interface PullOptions {
  quiet?: boolean;
  platform?: string;
  allTags?: boolean;
  /** Where progress goes: stdout for `pull`, stderr for `run`'s implicit pull. */
  out?: NodeJS.WriteStream;
}

/** Pulls an image, showing the daemon's progress stream; answers the full name pulled. */
export async function pullImage(ctx: CliContext, image: string, options: PullOptions = {}): Promise<string> {
  const ref = await imageReference(image);
  const { repository, tag } = await repositoryAndTag(image, options.allTags ? '' : 'latest');
  const res = await ctx.client().request('POST', '/images/create', {
    query: { fromImage: repository, tag, platform: options.platform },
    headers: registryAuthHeader(),
  });
  if (options.quiet) await drainProgress(res);
  else await showProgress(res, options.out ?? ctx.stdout);
  return options.allTags ? ref.name : `${ref.name}${tag?.startsWith('sha256:') ? '@' : ':'}${tag}`;
}

export function registerPull(program: Command, ctx: CliContext, name = 'pull'): void {
  program
    .command(name)
    .description('Download an image from a registry')
    .usage('[OPTIONS] NAME[:TAG|@DIGEST]')
    .argument('<name>')
    .option('-a, --all-tags', 'download all tagged images in the repository')
    .option('-q, --quiet', 'suppress verbose output')
    .option('--platform <platform>', 'set platform if server is multi-platform capable')
    .action(async (name: string, options: PullOptions) => {
      const pulled = await pullImage(ctx, name, options);
      ctx.stdout.write(`${pulled}\n`);
    });
}
