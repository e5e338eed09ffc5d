import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { filtersParam } from '../options/filters.js';
import { renderList } from '../output/format.js';
import { goTimeString, timeAgo } from '../output/human-time.js';
import { shortId } from '../output/short-id.js';
import { humanSize } from '../output/units.js';

/** An entry of `GET /images/json`. */
export interface ImageSummary {
  Id: string;
  ParentId?: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
  Created: number;
  Size: number;
  SharedSize?: number;
  Containers?: number;
  Labels?: Record<string, string> | null;
}

const IMAGES_FORMAT = {
  table: 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}',
  headers: {
    ID: 'IMAGE ID',
    Repository: 'REPOSITORY',
    Tag: 'TAG',
    Digest: 'DIGEST',
    CreatedSince: 'CREATED',
    CreatedAt: 'CREATED AT',
    Size: 'SIZE',
    Containers: 'CONTAINERS',
    SharedSize: 'SHARED SIZE',
    UniqueSize: 'UNIQUE SIZE',
    VirtualSize: 'VIRTUAL SIZE',
  },
};

interface ImageRow {
  ID: string;
  Repository: string;
  Tag: string;
  Digest: string;
  CreatedSince: string;
  CreatedAt: string;
  Size: string;
  Containers: string;
  SharedSize: string;
  UniqueSize: string;
  VirtualSize: string;
}

const repoOf = (name: string) => name.slice(0, name.lastIndexOf(name.includes('@') ? '@' : ':'));

/** Docker's rows: one per tag; an untagged image shows `<none>` (its repository if it has a digest). */
function imageRows(image: ImageSummary, noTrunc: boolean): ImageRow[] {
  const common = {
    ID: noTrunc ? image.Id : shortId(image.Id),
    CreatedSince: timeAgo(image.Created),
    CreatedAt: goTimeString(image.Created),
    Size: humanSize(image.Size),
    Containers: image.Containers !== undefined && image.Containers >= 0 ? String(image.Containers) : 'N/A',
    SharedSize: image.SharedSize !== undefined && image.SharedSize >= 0 ? humanSize(image.SharedSize) : 'N/A',
    UniqueSize:
      image.SharedSize !== undefined && image.SharedSize >= 0
        ? humanSize(image.Size - image.SharedSize)
        : 'N/A',
    VirtualSize: humanSize(image.Size, 4),
  };
  const digests = (image.RepoDigests ?? []).filter((d) => d !== '<none>@<none>');
  const digestFor = (repo: string) => digests.find((d) => repoOf(d) === repo)?.split('@')[1] ?? '<none>';
  const tags = (image.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
  if (tags.length) {
    return tags.map((tag) => {
      const repo = repoOf(tag);
      return { ...common, Repository: repo, Tag: tag.slice(repo.length + 1), Digest: digestFor(repo) };
    });
  }
  if (digests.length) {
    return digests.map((d) => ({
      ...common,
      Repository: repoOf(d),
      Tag: '<none>',
      Digest: d.split('@')[1] as string,
    }));
  }
  return [{ ...common, Repository: '<none>', Tag: '<none>', Digest: '<none>' }];
}

interface ImagesOptions {
  all?: boolean;
  quiet?: boolean;
  format?: string;
  trunc?: boolean;
  digests?: boolean;
  filter?: string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerImages(program: Command, ctx: CliContext, name = 'images'): void {
  program
    .command(name)
    .description('List images')
    .usage('[OPTIONS] [REPOSITORY[:TAG]]')
    .argument('[repository]')
    .option('-a, --all', 'show all images (default hides intermediate images)')
    .option('-q, --quiet', 'only show image IDs')
    .option('--digests', 'show digests')
    .option('--no-trunc', "don't truncate output")
    .option(
      '-f, --filter <filter>',
      "filter output based on conditions provided (e.g. 'dangling=true')",
      collect,
    )
    .option(
      '--format <template>',
      'format output using a custom template: table, table TEMPLATE, json, TEMPLATE',
    )
    .action(async (repository: string | undefined, options: ImagesOptions) => {
      const images = await ctx.client().json<ImageSummary[]>('GET', '/images/json', {
        query: {
          all: options.all,
          filters: filtersParam(options.filter, repository ? [['reference', repository]] : []),
        },
      });
      const noTrunc = options.trunc === false;
      if (options.quiet) {
        const ids = [...new Set(images.map((i) => (noTrunc ? i.Id : shortId(i.Id))))];
        ctx.stdout.write(ids.map((id) => `${id}\n`).join(''));
        return;
      }
      const rows = images.flatMap((image) => imageRows(image, noTrunc));
      let format = options.format;
      if (!format && options.digests) {
        format = 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
      }
      ctx.stdout.write(renderList(rows, format, IMAGES_FORMAT));
    });
}
