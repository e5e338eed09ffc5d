import { isImageSpecError, type Platform, parsePlatform, Reference } from '@berth/image-spec';
import type { Daemon } from '../../daemon/daemon.js';
import { diskUsage } from '../../images/disk-usage.js';
import { parseImageReference } from '../../images/docker-errors.js';
import { imagesToSave, loadImages, saveImages } from '../../images/image-archive.js';
import { handleCommit } from '../../images/image-commit.js';
import { deleteImage } from '../../images/image-delete.js';
import { imageFilter } from '../../images/image-filters.js';
import { importRootfs } from '../../images/image-import.js';
import { imageHistory, imageSummary, inspectImage } from '../../images/image-inspect.js';
import { pruneImages } from '../../images/image-prune.js';
import { pullImage } from '../../images/image-pull.js';
import { pushImage, tagsToPush } from '../../images/image-push.js';
import { ProgressStream, requestSignal } from '../../images/progress-stream.js';
import { credentialsFromHeader } from '../../images/registry-auth.js';
import { tagFromQuery } from '../../images/tag-from-query.js';
import { ApiError, badRequest } from '../api-error.js';
import { queryBool, queryFilters } from '../request-body.js';
import { startJsonStream } from '../response.js';
import type { RequestContext, Router } from '../router.js';

/** `fromImage` with `tag` (a tag or a digest) applied, as dockerd combines them. */
function pullReference(fromImage: string, tag: string): Reference {
  const ref = parseImageReference(fromImage);
  if (!tag) return ref;
  const suffix = tag.includes(':') ? { digest: tag } : { tag };
  try {
    return new Reference({ domain: ref.domain, path: ref.path, ...suffix });
  } catch {
    throw badRequest('invalid reference format');
  }
}

function platformOf(value: string | null): Platform | undefined {
  if (!value) return undefined;
  try {
    return value.trim().startsWith('{') ? (JSON.parse(value) as Platform) : parsePlatform(value);
  } catch (err) {
    throw badRequest(`invalid platform ${value}: ${(err as Error).message}`);
  }
}

async function pull(daemon: Daemon, ctx: RequestContext): Promise<void> {
  if (ctx.query.get('fromSrc')) return importFromRequest(daemon, ctx);
  const fromImage = ctx.query.get('fromImage');
  if (!fromImage) throw badRequest('fromImage is required');
  const tag = ctx.query.get('tag') ?? '';
  const ref = pullReference(fromImage, tag);
  const platform = platformOf(ctx.query.get('platform'));
  const credentials = credentialsFromHeader(ctx.req.headers['x-registry-auth']);
  const stream = new ProgressStream(ctx.res);
  const { signal, done } = requestSignal(ctx.res, daemon);
  try {
    await stream.run(() =>
      pullImage(daemon, {
        ref,
        allTags: !tag && ref.tag === undefined && ref.digest === undefined,
        ...(platform ? { platform } : {}),
        ...(credentials ? { credentials } : {}),
        signal,
        send: stream.send,
      }),
    );
  } finally {
    done();
  }
}

/** `docker import`: `fromSrc=-` with the tarball as the body (a URL source is refused: no downloads). */
async function importFromRequest(daemon: Daemon, ctx: RequestContext): Promise<void> {
  const q = ctx.query;
  const source = q.get('fromSrc') as string;
  if (source !== '-') throw badRequest('importing from a URL is not supported: send the tarball as the body');
  const tag = tagFromQuery(q);
  const stream = new ProgressStream(ctx.res);
  const { signal, done } = requestSignal(ctx.res, daemon);
  try {
    await stream.run(async () => {
      const id = await importRootfs(daemon, ctx.req, {
        source,
        ...(tag ? { tag } : {}),
        ...(q.get('message') ? { message: q.get('message') as string } : {}),
        changes: q.getAll('changes').filter((c) => c !== ''),
        signal,
      });
      daemon.events.emit('image', 'import', id, tag ? { name: tag } : {});
      stream.send({ status: id });
    });
  } finally {
    done();
  }
}

async function push(daemon: Daemon, ctx: RequestContext): Promise<void> {
  const named = parseImageReference(ctx.params.name as string);
  const tag = ctx.query.get('tag') ?? '';
  const ref = tag ? new Reference({ domain: named.domain, path: named.path, tag }) : named;
  tagsToPush(daemon, ref); // a missing image is a 404 before the stream starts
  const credentials = credentialsFromHeader(ctx.req.headers['x-registry-auth']);
  const stream = new ProgressStream(ctx.res);
  const { signal, done } = requestSignal(ctx.res, daemon);
  try {
    await stream.run(() =>
      pushImage(daemon, { ref, ...(credentials ? { credentials } : {}), signal, send: stream.send }),
    );
  } finally {
    done();
  }
}

function tag(daemon: Daemon, ctx: RequestContext): void {
  const image = daemon.images.resolve(ctx.params.name as string);
  const repo = ctx.query.get('repo');
  if (!repo) throw badRequest('repository name (repo) is required');
  const tagName = ctx.query.get('tag') || 'latest';
  const repoRef = parseImageReference(repo);
  if (repoRef.digest) throw badRequest('refusing to create a tag with a digest reference');
  const target = parseImageReference(`${repoRef.name}:${tagName}`);
  daemon.images.tag(image.id, target.toString());
  daemon.events.emit('image', 'tag', image.id, { name: target.familiarString() });
  ctx.res.writeHead(201);
  ctx.res.end();
}

async function list(daemon: Daemon, ctx: RequestContext): Promise<unknown[]> {
  const all = queryBool(ctx.query, 'all');
  const filters = queryFilters(ctx.query);
  // The old `filter=name` parameter is the reference filter.
  const legacy = ctx.query.get('filter');
  if (legacy) filters.set('reference', [...(filters.get('reference') ?? []), legacy]);
  const matches = imageFilter(daemon.images, filters);
  const counts = new Map(
    (
      daemon.db.prepare('SELECT image_id, count(*) AS n FROM containers GROUP BY image_id').all() as {
        image_id: string;
        n: number;
      }[]
    ).map((r) => [r.image_id, r.n]),
  );
  const parents = new Set(
    daemon.db.prepare('SELECT parent FROM images WHERE parent IS NOT NULL').pluck().all() as string[],
  );
  const out: unknown[] = [];
  for (const image of daemon.images.list()) {
    const untagged = image.tags.length === 0 && image.digests.length === 0;
    if (!all && untagged && parents.has(image.id)) continue; // intermediate images need `all`
    const config = await daemon.images.config(image.id).catch(() => undefined);
    if (!matches({ image, labels: config?.config?.Labels ?? {} })) continue;
    out.push(await imageSummary(daemon, image, ctx.version, counts.get(image.id) ?? 0));
  }
  return out;
}

async function load(daemon: Daemon, ctx: RequestContext): Promise<void> {
  const { signal, done } = requestSignal(ctx.res, daemon);
  let lines: string[];
  try {
    lines = await loadImages(daemon, ctx.req, signal);
  } catch (err) {
    // Anything wrong with the archive's content is the client's input, not an engine failure.
    if (isImageSpecError(err)) throw new ApiError(400, (err as Error).message);
    throw err;
  } finally {
    done();
  }
  const send = startJsonStream(ctx.res);
  for (const line of lines) send({ stream: line });
  ctx.res.end();
}

async function save(daemon: Daemon, ctx: RequestContext, names: string[]): Promise<void> {
  if (names.length === 0) throw badRequest('no image names given');
  const selected = imagesToSave(daemon.images, names);
  const { signal, done } = requestSignal(ctx.res, daemon);
  ctx.res.writeHead(200, { 'Content-Type': 'application/x-tar' });
  try {
    await saveImages(daemon, selected, ctx.res, signal);
  } finally {
    done();
  }
}

export function registerImageRoutes(router: Router, daemon: Daemon): void {
  router.post('/images/create', (ctx) => pull(daemon, ctx));
  router.get('/images/json', (ctx) => list(daemon, ctx));
  router.post('/images/load', (ctx) => load(daemon, ctx));
  router.get('/images/get', (ctx) => save(daemon, ctx, ctx.query.getAll('names')));
  router.post('/images/prune', (ctx) => pruneImages(daemon, queryFilters(ctx.query)));
  router.get('/images/{name*}/json', (ctx) =>
    inspectImage(daemon, daemon.images.resolve(ctx.params.name as string), ctx.version),
  );
  router.get('/images/{name*}/history', (ctx) =>
    imageHistory(daemon, daemon.images.resolve(ctx.params.name as string)),
  );
  router.post('/images/{name*}/tag', (ctx) => tag(daemon, ctx));
  router.post('/images/{name*}/push', (ctx) => push(daemon, ctx));
  router.get('/images/{name*}/get', (ctx) => save(daemon, ctx, [ctx.params.name as string]));
  router.delete('/images/{name*}', (ctx) =>
    deleteImage(daemon, ctx.params.name as string, {
      force: queryBool(ctx.query, 'force'),
      prune: !queryBool(ctx.query, 'noprune'),
    }),
  );
  router.get('/system/df', (ctx) => diskUsage(daemon, ctx.version));
  router.post('/commit', (ctx) => handleCommit(daemon, ctx));
}
