import type { Command } from 'commander';
import { match } from 'ts-pattern';
import type { ApiClient } from '../api-client.js';
import type { CliContext } from '../context.js';
import { CliError } from '../errors.js';
import { type InspectLookup, printInspect, unlessNotFound } from '../output/inspect.js';

type ObjectKind = 'container' | 'image' | 'network';

export const inspectContainer =
  (client: ApiClient): InspectLookup =>
  (name) =>
    unlessNotFound(client.json('GET', `/containers/${encodeURIComponent(name)}/json`));
export const inspectImage =
  (client: ApiClient): InspectLookup =>
  (name) =>
    unlessNotFound(client.json('GET', `/images/${encodeURI(name)}/json`));
export const inspectNetwork =
  (client: ApiClient): InspectLookup =>
  (name) =>
    unlessNotFound(client.json('GET', `/networks/${encodeURIComponent(name)}`));

/** Without `--type`, docker tries each kind of object in turn. */
function anyObject(client: ApiClient): InspectLookup {
  const lookups = [inspectContainer(client), inspectImage(client), inspectNetwork(client)];
  return async (name) => {
    for (const lookup of lookups) {
      const found = await lookup(name);
      if (found !== undefined) return found;
    }
    return undefined;
  };
}

export function registerInspect(program: Command, ctx: CliContext): void {
  program
    .command('inspect')
    .description('Return low-level information on Berth objects')
    .usage('[OPTIONS] NAME|ID [NAME|ID...]')
    .argument('<names...>')
    .option('-f, --format <template>', 'format the output using the given Go template')
    .option('--type <type>', 'return JSON for specified type (container, image, network)')
    .action(async (names: string[], options: { format?: string; type?: string }) => {
      const client = ctx.client();
      const lookup = match(options.type as ObjectKind | undefined)
        .with('container', () => inspectContainer(client))
        .with('image', () => inspectImage(client))
        .with('network', () => inspectNetwork(client))
        .with(undefined, () => anyObject(client))
        .otherwise((type) => {
          throw new CliError(`"${type}" is not a valid value for --type`);
        });
      await printInspect(ctx, names, lookup, { format: options.format, kind: options.type ?? 'object' });
    });
}

/** `image inspect`, `container inspect`, `network inspect`: one kind only. */
export function registerTypedInspect(parent: Command, ctx: CliContext, kind: ObjectKind): void {
  parent
    .command('inspect')
    .description(`Display detailed information on one or more ${kind}s`)
    .argument('<names...>')
    .option('-f, --format <template>', 'format the output using the given Go template')
    .action(async (names: string[], options: { format?: string }) => {
      const client = ctx.client();
      const lookup = match(kind)
        .with('container', () => inspectContainer(client))
        .with('image', () => inspectImage(client))
        .with('network', () => inspectNetwork(client))
        .exhaustive();
      await printInspect(ctx, names, lookup, { format: options.format, kind });
    });
}
