import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { filtersParam } from '../options/filters.js';
import { renderList } from '../output/format.js';
import { goTimeString, timeAgo } from '../output/human-time.js';
import { type PortSummary, portsText } from '../output/ports-text.js';
import { ellipsis, shortId } from '../output/short-id.js';
import { humanSize } from '../output/units.js';

/** An entry of `GET /containers/json`. */
interface ContainerSummary {
  Id: string;
  Names?: string[];
  Image: string;
  ImageID?: string;
  Command: string;
  Created: number;
  Ports?: PortSummary[];
  Labels?: Record<string, string> | null;
  State: string;
  Status: string;
  SizeRw?: number;
  SizeRootFs?: number;
  Mounts?: { Name?: string; Source?: string }[];
  NetworkSettings?: { Networks?: Record<string, unknown> };
}

const PS_FORMAT = {
  table: 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}',
  headers: {
    ID: 'CONTAINER ID',
    Image: 'IMAGE',
    Command: 'COMMAND',
    CreatedAt: 'CREATED AT',
    RunningFor: 'CREATED',
    Ports: 'PORTS',
    State: 'STATE',
    Status: 'STATUS',
    Size: 'SIZE',
    Names: 'NAMES',
    Labels: 'LABELS',
    Mounts: 'MOUNTS',
    Networks: 'NETWORKS',
    LocalVolumes: 'LOCAL VOLUMES',
  },
};

function psRow(c: ContainerSummary, trunc: boolean) {
  // Names of links (`/other/alias`) are left out, and the leading slash too.
  const names = (c.Names ?? []).map((n) => n.replace(/^\//, '')).filter((n) => !trunc || !n.includes('/'));
  const image = trunc && /^sha256:[a-f0-9]{64}$/.test(c.Image) ? shortId(c.Image) : c.Image;
  return {
    ID: trunc ? shortId(c.Id) : c.Id,
    Image: image,
    Command: JSON.stringify(trunc ? ellipsis(c.Command, 20) : c.Command),
    CreatedAt: goTimeString(c.Created),
    RunningFor: timeAgo(c.Created),
    Ports: portsText(c.Ports),
    State: c.State,
    Status: c.Status,
    Size: c.SizeRw !== undefined ? `${humanSize(c.SizeRw)} (virtual ${humanSize(c.SizeRootFs ?? 0)})` : '0B',
    Names: names.join(','),
    Labels: Object.entries(c.Labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    Mounts: (c.Mounts ?? []).map((m) => m.Name || m.Source || '').join(','),
    Networks: Object.keys(c.NetworkSettings?.Networks ?? {}).join(','),
    LocalVolumes: String((c.Mounts ?? []).filter((m) => m.Name).length),
  };
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

interface PsOptions {
  all?: boolean;
  quiet?: boolean;
  format?: string;
  trunc?: boolean;
  last?: string;
  latest?: boolean;
  size?: boolean;
  filter?: string[];
}

export function registerPs(program: Command, ctx: CliContext, name = 'ps'): void {
  program
    .command(name)
    .description('List containers')
    .option('-a, --all', 'show all containers (default shows just running)')
    .option('-q, --quiet', 'only display container IDs')
    .option('-n, --last <n>', 'show n last created containers (includes all states)')
    .option('-l, --latest', 'show the latest created container (includes all states)')
    .option('-s, --size', 'display total file sizes')
    .option('--no-trunc', "don't truncate output")
    .option('-f, --filter <filter>', 'filter output based on conditions provided', collect)
    .option(
      '--format <template>',
      'format output using a custom template: table, table TEMPLATE, json, TEMPLATE',
    )
    .action(async (options: PsOptions) => {
      const limit = options.latest ? 1 : options.last ? Number(options.last) : undefined;
      const containers = await ctx.client().json<ContainerSummary[]>('GET', '/containers/json', {
        query: {
          all: options.all,
          limit,
          size: options.size,
          filters: filtersParam(options.filter),
        },
      });
      const trunc = options.trunc !== false;
      if (options.quiet) {
        ctx.stdout.write(containers.map((c) => `${trunc ? shortId(c.Id) : c.Id}\n`).join(''));
        return;
      }
      let format = options.format;
      if (!format && options.size) format = `${PS_FORMAT.table}\t{{.Size}}`;
      ctx.stdout.write(
        renderList(
          containers.map((c) => psRow(c, trunc)),
          format,
          PS_FORMAT,
        ),
      );
    });
}
