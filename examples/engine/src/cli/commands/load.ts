import { createReadStream } from 'node:fs';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { showProgress } from '../stream/progress-stream.js';

export function registerLoad(program: Command, ctx: CliContext, name = 'load'): void {
  program
    .command(name)
    .description('Load an image from a tar archive or STDIN')
    .option('-i, --input <file>', 'read from tar archive file, instead of STDIN')
    .option('-q, --quiet', 'suppress the load output')
    .action(async (options: { input?: string; quiet?: boolean }) => {
      if (!options.input && ctx.stdin.isTTY) {
        throw new CliError(
          'requested load from stdin, but stdin is empty or a terminal; use -i FILE or redirect a tar archive',
        );
      }
      const upload = options.input ? createReadStream(options.input) : ctx.stdin;
      const opened = new Promise<void>((resolve, reject) => {
        if (!options.input) return resolve();
        upload.once('open', () => resolve()).once('error', (err: Error) => reject(new CliError(err.message)));
      });
      await opened;
      const res = await ctx.client().request('POST', '/images/load', {
        query: { quiet: options.quiet },
        upload,
        contentType: 'application/x-tar',
      });
      if (String(res.headers['content-type'] ?? '').includes('json')) await showProgress(res, ctx.stdout);
      else res.pipe(ctx.stdout);
    });
}
