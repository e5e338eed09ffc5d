import { writeFile } from 'node:fs/promises';
import { type Readable, Transform } from 'node:stream';
import type { Command } from 'commander';
import { readText } from '../api-client.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import type { JsonMessage } from '../output/progress.js';
import { humanSize } from '../output/units.js';
import { buildContextTar } from '../stream/build-context-tar.js';
import { drainProgress, showProgress } from '../stream/progress-stream.js';

interface BuildOptions {
  tag: string[];
  file?: string;
  buildArg: string[];
  label: string[];
  cache: boolean;
  quiet?: boolean;
  target?: string;
  pull?: boolean;
  forceRm?: boolean;
  rm: boolean;
  iidfile?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `--build-arg K=V`, or `--build-arg K` for the value of K in the environment (null when unset), as docker does. */
function buildArgs(args: string[]): Record<string, string | null> | undefined {
  if (args.length === 0) return undefined;
  const out: Record<string, string | null> = {};
  for (const arg of args) {
    const at = arg.indexOf('=');
    if (at >= 0) out[arg.slice(0, at)] = arg.slice(at + 1);
    else out[arg] = process.env[arg] ?? null;
  }
  return out;
}

function labels(list: string[]): Record<string, string> | undefined {
  if (list.length === 0) return undefined;
  return Object.fromEntries(
    list.map((l) => (l.includes('=') ? [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] : [l, ''])),
  );
}

/** Counts the bytes going by, and says how many when they end (docker's `Sending build context` line). */
function countingStream(onEnd: (bytes: number) => void): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      onEnd(bytes);
      done();
    },
  });
}

/**
 * `berth build`: the classic builder (`POST /build`). PATH is a directory, tarred here with its
 * `.dockerignore` applied, or `-` for a tar or a Dockerfile on stdin. The daemon's output is printed
 * as it comes; a failed RUN's exit code is the command's.
 */
export function registerBuild(program: Command, ctx: CliContext, name = 'build'): void {
  program
    .command(name)
    .description('Build an image from a Dockerfile')
    .usage('[OPTIONS] PATH | -')
    .argument('<path>')
    .option('-t, --tag <name>', "name and optionally a tag in the 'name:tag' format", collect, [])
    .option('-f, --file <file>', "name of the Dockerfile (default is 'PATH/Dockerfile')")
    .option('--build-arg <arg>', 'set build-time variables', collect, [])
    .option('--label <label>', 'set metadata for an image', collect, [])
    .option('--no-cache', 'do not use cache when building the image')
    .option('-q, --quiet', 'suppress the build output and print image ID on success')
    .option('--target <stage>', 'set the target build stage to build')
    .option('--pull', 'always attempt to pull a newer version of the image')
    .option('--force-rm', 'always remove intermediate containers')
    .option('--no-rm', 'keep intermediate containers after a successful build')
    .option('--iidfile <file>', 'write the image ID to the file')
    .action(async (path: string, options: BuildOptions) => {
      let upload: Readable;
      let dockerfile: string | undefined;
      if (path === '-') {
        if (options.file === '-')
          throw new CliError("invalid argument: can't use stdin for both build context and dockerfile");
        upload = ctx.stdin;
        dockerfile = options.file;
      } else {
        const dockerfileText = options.file === '-' ? await readText(ctx.stdin) : undefined;
        const context = await buildContextTar(path, {
          ...(options.file && options.file !== '-' ? { dockerfile: options.file } : {}),
          ...(dockerfileText !== undefined ? { dockerfileText } : {}),
        });
        dockerfile = context.dockerfile;
        const sent = countingStream((bytes) => {
          if (!options.quiet)
            ctx.stdout.write(`Sending build context to Docker daemon  ${humanSize(bytes, 4)}\n`);
        });
        context.tar.once('error', (err) => sent.destroy(err));
        upload = context.tar.pipe(sent);
      }
      const args = buildArgs(options.buildArg);
      const imageLabels = labels(options.label);
      const res = await ctx.client().request('POST', '/build', {
        query: {
          t: options.tag,
          dockerfile,
          buildargs: args ? JSON.stringify(args) : undefined,
          labels: imageLabels ? JSON.stringify(imageLabels) : undefined,
          nocache: options.cache === false,
          q: options.quiet,
          target: options.target,
          pull: options.pull,
          rm: options.rm,
          forcerm: options.forceRm,
        },
        upload,
        contentType: 'application/x-tar',
      });
      let imageId: string | undefined;
      const onMessage = (message: JsonMessage) => {
        const id = message.aux?.ID;
        if (typeof id === 'string') imageId = id;
        // docker exits with the code the daemon gives a failure (a failed RUN's exit code).
        const code = message.errorDetail?.code;
        const failure = message.errorDetail?.message ?? message.error;
        if (failure) throw new CliError(failure, code && code > 0 ? code : 1);
      };
      if (options.quiet) {
        await drainProgress(res, onMessage);
        if (imageId) ctx.stdout.write(`${imageId}\n`);
      } else await showProgress(res, ctx.stdout, onMessage);
      if (options.iidfile && imageId) await writeFile(options.iidfile, imageId);
    });
}
