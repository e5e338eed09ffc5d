import { pullImage } from '../commands/pull.js';
import type { CliContext } from '../context.js';
import { DaemonError } from '../errors.js';
import type { CreateBody } from '../options/container-options.js';
import { familiarWithTag } from '../options/reference.js';

export interface CreateOptions {
  name?: string;
  platform?: string;
  /** Docker's `--pull`: always, missing (default) or never. */
  pull?: string;
}

/**
 * Creates a container as `docker run`/`create` do: pulls the image first when it is missing (telling
 * the user on stderr), and prints the daemon's warnings.
 */
export async function createContainer(
  ctx: CliContext,
  body: CreateBody,
  options: CreateOptions,
): Promise<string> {
  const client = ctx.client();
  const create = () =>
    client.json<{ Id: string; Warnings?: string[] | null }>('POST', '/containers/create', {
      query: { name: options.name, platform: options.platform },
      body,
    });
  const pull = () =>
    pullImage(ctx, body.Image, {
      out: ctx.stderr,
      ...(options.platform ? { platform: options.platform } : {}),
    });
  if (options.pull === 'always') await pull();
  let created: Awaited<ReturnType<typeof create>>;
  try {
    created = await create();
  } catch (err) {
    const missingImage =
      err instanceof DaemonError && err.status === 404 && /no such image/i.test(err.message);
    if (!missingImage || options.pull === 'never') throw err;
    ctx.stderr.write(`Unable to find image '${await familiarWithTag(body.Image)}' locally\n`);
    await pull();
    created = await create();
  }
  for (const warning of created.Warnings ?? []) ctx.stderr.write(`WARNING: ${warning}\n`);
  return created.Id;
}
