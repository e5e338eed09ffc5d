import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { filtersParam } from '../options/filters.js';
import { renderList } from '../output/format.js';
import { goTimeString } from '../output/human-time.js';
import { shortId } from '../output/short-id.js';
import { confirm } from '../terminal/confirm.js';
import { forEachTarget } from './for-each.js';
import { registerTypedInspect } from './inspect.js';

interface NetworkResource {
  Id: string;
  Name: string;
  Driver: string;
  Scope: string;
  Created?: string;
  EnableIPv6?: boolean;
  Internal?: boolean;
  Labels?: Record<string, string> | null;
}

const NETWORK_FORMAT = {
  table: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}',
  headers: {
    ID: 'NETWORK ID',
    Name: 'NAME',
    Driver: 'DRIVER',
    Scope: 'SCOPE',
    IPv6: 'IPV6',
    Internal: 'INTERNAL',
    Labels: 'LABELS',
    CreatedAt: 'CREATED AT',
  },
};

const collect = (value: string, previous: string[] = []) => [...previous, value];

function keyValues(entries: string[] | undefined): Record<string, string> {
  return Object.fromEntries(
    (entries ?? []).map((e) => {
      const at = e.indexOf('=');
      return at < 0 ? [e, ''] : [e.slice(0, at), e.slice(at + 1)];
    }),
  );
}

interface CreateOptions {
  driver: string;
  subnet?: string[];
  gateway?: string[];
  ipRange?: string[];
  internal?: boolean;
  attachable?: boolean;
  ipv6?: boolean;
  label?: string[];
  opt?: string[];
}

export function registerNetwork(program: Command, ctx: CliContext): void {
  const network = program.command('network').description('Manage networks');

  network
    .command('create')
    .description('Create a network')
    .argument('<name>')
    .option('-d, --driver <driver>', 'driver to manage the network', 'bridge')
    .option('--subnet <cidr>', 'subnet in CIDR format that represents a network segment', collect)
    .option('--gateway <ip>', 'IPv4 gateway for the master subnet', collect)
    .option('--ip-range <cidr>', 'allocate container ip from a sub-range', collect)
    .option('--internal', 'restrict external access to the network')
    .option('--attachable', 'enable manual container attachment')
    .option('--ipv6', 'enable IPv6 networking')
    .option('--label <label>', 'set metadata on a network', collect)
    .option('-o, --opt <option>', 'set driver specific options', collect)
    .action(async (name: string, options: CreateOptions) => {
      const config = (options.subnet ?? []).map((subnet, i) => ({
        Subnet: subnet,
        ...(options.gateway?.[i] ? { Gateway: options.gateway[i] } : {}),
        ...(options.ipRange?.[i] ? { IPRange: options.ipRange[i] } : {}),
      }));
      const created = await ctx.client().json<{ Id: string; Warning?: string }>('POST', '/networks/create', {
        body: {
          Name: name,
          Driver: options.driver,
          Internal: options.internal === true,
          Attachable: options.attachable === true,
          EnableIPv6: options.ipv6 === true,
          IPAM: { Driver: 'default', Config: config, Options: {} },
          Options: keyValues(options.opt),
          Labels: keyValues(options.label),
        },
      });
      if (created.Warning) ctx.stderr.write(`WARNING: ${created.Warning}\n`);
      ctx.stdout.write(`${created.Id}\n`);
    });

  network
    .command('ls')
    .alias('list')
    .description('List networks')
    .option('-q, --quiet', 'only display network IDs')
    .option('--no-trunc', 'do not truncate the output')
    .option('-f, --filter <filter>', "provide filter values (e.g. 'driver=bridge')", collect)
    .option(
      '--format <template>',
      'format output using a custom template: table, table TEMPLATE, json, TEMPLATE',
    )
    .action(async (options: { quiet?: boolean; trunc?: boolean; filter?: string[]; format?: string }) => {
      const networks = await ctx.client().json<NetworkResource[]>('GET', '/networks', {
        query: { filters: filtersParam(options.filter) },
      });
      networks.sort((a, b) => a.Name.localeCompare(b.Name));
      const id = (n: NetworkResource) => (options.trunc === false ? n.Id : shortId(n.Id));
      if (options.quiet) {
        ctx.stdout.write(networks.map((n) => `${id(n)}\n`).join(''));
        return;
      }
      const rows = networks.map((n) => ({
        ID: id(n),
        Name: n.Name,
        Driver: n.Driver,
        Scope: n.Scope,
        IPv6: String(n.EnableIPv6 ?? false),
        Internal: String(n.Internal ?? false),
        Labels: Object.entries(n.Labels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
        CreatedAt: n.Created ? goTimeString(n.Created) : '',
      }));
      ctx.stdout.write(renderList(rows, options.format, NETWORK_FORMAT));
    });

  registerTypedInspect(network, ctx, 'network');

  network
    .command('rm')
    .alias('remove')
    .description('Remove one or more networks')
    .argument('<networks...>')
    .option('-f, --force', 'do not error if the network does not exist')
    .action(async (names: string[], options: { force?: boolean }) => {
      await forEachTarget(ctx, names, async (name) => {
        try {
          await ctx.client().call('DELETE', `/networks/${encodeURIComponent(name)}`);
        } catch (err) {
          if (options.force && (err as { status?: number }).status === 404) return;
          throw err;
        }
        ctx.stdout.write(`${name}\n`);
      });
    });

  network
    .command('connect')
    .description('Connect a container to a network')
    .argument('<network>')
    .argument('<container>')
    .option('--alias <alias>', 'add network-scoped alias for the container', collect)
    .option('--ip <address>', 'IPv4 address (e.g., 172.30.100.104)')
    .action(async (name: string, container: string, options: { alias?: string[]; ip?: string }) => {
      await ctx.client().call('POST', `/networks/${encodeURIComponent(name)}/connect`, {
        body: {
          Container: container,
          EndpointConfig: {
            Aliases: options.alias ?? null,
            IPAMConfig: options.ip ? { IPv4Address: options.ip } : null,
          },
        },
      });
    });

  network
    .command('disconnect')
    .description('Disconnect a container from a network')
    .argument('<network>')
    .argument('<container>')
    .option('-f, --force', 'force the container to disconnect from a network')
    .action(async (name: string, container: string, options: { force?: boolean }) => {
      await ctx.client().call('POST', `/networks/${encodeURIComponent(name)}/disconnect`, {
        body: { Container: container, Force: options.force === true },
      });
    });

  network
    .command('prune')
    .description('Remove all unused networks')
    .option('-f, --force', 'do not prompt for confirmation')
    .option('--filter <filter>', "provide filter values (e.g. 'until=<timestamp>')", collect)
    .action(async (options: { force?: boolean; filter?: string[] }) => {
      const question =
        'WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue?';
      if (!options.force && !(await confirm(ctx.stdin, ctx.stdout, question))) return;
      const result = await ctx
        .client()
        .json<{ NetworksDeleted?: string[] | null }>('POST', '/networks/prune', {
          query: { filters: filtersParam(options.filter) },
        });
      const deleted = result.NetworksDeleted ?? [];
      if (deleted.length) ctx.stdout.write(`Deleted Networks:\n${deleted.map((n) => `${n}\n`).join('')}`);
    });
}
