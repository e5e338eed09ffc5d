import {
  getContainerArchive,
  putContainerArchive,
  statContainerPath,
} from '../../containers/container-archive.js';
import { attachContainer } from '../../containers/container-attach.js';
import { exportContainer } from '../../containers/container-export.js';
import { containerFilter } from '../../containers/container-filters.js';
import { inspectContainer, summarizeContainer } from '../../containers/container-inspect.js';
import { streamLogs } from '../../containers/container-logs.js';
import { isRunning } from '../../containers/container-record.js';
import type { WaitCondition } from '../../containers/container-service.js';
import { containerSize } from '../../containers/container-size.js';
import { streamStats } from '../../containers/container-stats.js';
import { topContainer } from '../../containers/container-top.js';
import { updateRequestSchema } from '../../containers/container-update.js';
import { createRequestSchema } from '../../containers/create-request.js';
import type { Daemon } from '../../daemon/daemon.js';
import { badRequest, conflict } from '../api-error.js';
import { queryBool, queryFilters, queryInt, readJson } from '../request-body.js';
import type { RequestContext, Router } from '../router.js';

const CHANGE_KIND = { modified: 0, added: 1, deleted: 2 } as const;

function waitCondition(value: string | null): WaitCondition {
  if (!value) return 'not-running';
  if (value === 'not-running' || value === 'next-exit' || value === 'removed') return value;
  throw badRequest(`invalid condition: "${value}"`);
}

/** `POST /containers/{id}/wait`: headers at once (clients wait before they start), the body at the exit. */
async function wait(daemon: Daemon, ctx: RequestContext): Promise<void> {
  const condition = waitCondition(ctx.query.get('condition'));
  const abort = new AbortController();
  // Throws at once for an unknown container: a plain 404.
  const waiting = daemon.containers.wait(ctx.params.id as string, condition, abort.signal);
  waiting.catch(() => undefined);
  ctx.res.writeHead(200, { 'Content-Type': 'application/json' });
  ctx.res.flushHeaders();
  ctx.res.once('close', () => abort.abort());
  try {
    const code = await waiting;
    ctx.res.end(`${JSON.stringify({ StatusCode: code, Error: null })}\n`);
  } catch (err) {
    if (!ctx.res.writableEnded)
      ctx.res.end(`${JSON.stringify({ StatusCode: -1, Error: { Message: (err as Error).message } })}\n`);
  }
}

export function registerContainerRoutes(router: Router, daemon: Daemon): void {
  const containers = () => daemon.containers;
  const id = (ctx: RequestContext) => ctx.params.id as string;

  router.post('/containers/create', async (ctx) => {
    const body = await readJson(ctx.req, createRequestSchema);
    const result = await containers().create(ctx.query.get('name'), body);
    ctx.res.statusCode = 201;
    const text = JSON.stringify(result);
    ctx.res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    ctx.res.end(text);
  });

  router.get('/containers/json', (ctx) => {
    const all = queryBool(ctx.query, 'all');
    const limit = queryInt(ctx.query, 'limit');
    const size = queryBool(ctx.query, 'size');
    const filter = containerFilter(containers(), queryFilters(ctx.query));
    let list = containers().store.list();
    if (!all && !(limit !== undefined && limit > 0) && !queryFilters(ctx.query).has('status'))
      list = list.filter((r) => isRunning(r) || r.state.Status === 'restarting');
    list = list.filter(filter);
    if (limit !== undefined && limit > 0) list = list.slice(0, limit);
    return Promise.all(
      list.map(async (r) =>
        summarizeContainer(containers(), r, size ? await containerSize(daemon, r) : undefined),
      ),
    );
  });

  router.post('/containers/prune', (ctx) => {
    const filters = queryFilters(ctx.query);
    const until = filters.get('until')?.[0];
    const untilMs = until
      ? /^\d+(\.\d+)?$/.test(until)
        ? Number(until) * 1000
        : Date.parse(until)
      : undefined;
    const labels = filters.get('label') ?? [];
    const notLabels = filters.get('label!') ?? [];
    const has = (l: Record<string, string>, f: string) => {
      const i = f.indexOf('=');
      return i < 0 ? f in l : l[f.slice(0, i)] === f.slice(i + 1);
    };
    return containers().prune(
      (r) =>
        (untilMs === undefined || Date.parse(r.created) < untilMs) &&
        labels.every((f) => has(r.config.Labels, f)) &&
        !notLabels.some((f) => has(r.config.Labels, f)),
    );
  });

  router.get('/containers/{id}/json', async (ctx) => {
    const record = containers().store.resolve(id(ctx));
    const size = queryBool(ctx.query, 'size') ? await containerSize(daemon, record) : undefined;
    return inspectContainer(containers(), record, size);
  });

  router.post('/containers/{id}/start', async (ctx) => {
    await containers().start(id(ctx));
  });
  router.post('/containers/{id}/stop', async (ctx) => {
    const t = queryInt(ctx.query, 't');
    const signal = ctx.query.get('signal');
    await containers().stop(id(ctx), {
      ...(t !== undefined ? { timeout: t } : {}),
      ...(signal ? { signal } : {}),
    });
  });
  router.post('/containers/{id}/restart', async (ctx) => {
    const t = queryInt(ctx.query, 't');
    const signal = ctx.query.get('signal');
    await containers().restart(id(ctx), {
      ...(t !== undefined ? { timeout: t } : {}),
      ...(signal ? { signal } : {}),
    });
  });
  router.post('/containers/{id}/kill', async (ctx) => {
    await containers().kill(id(ctx), ctx.query.get('signal') || 'SIGKILL');
  });
  router.post('/containers/{id}/pause', async (ctx) => {
    await containers().pause(id(ctx));
  });
  router.post('/containers/{id}/unpause', async (ctx) => {
    await containers().unpause(id(ctx));
  });
  router.post('/containers/{id}/update', async (ctx) =>
    containers().update(id(ctx), await readJson(ctx.req, updateRequestSchema)),
  );
  router.post('/containers/{id}/rename', async (ctx) => {
    const name = ctx.query.get('name');
    if (!name) throw badRequest('name is required');
    await containers().rename(id(ctx), name);
  });
  router.delete('/containers/{id}', async (ctx) => {
    await containers().remove(id(ctx), {
      force: queryBool(ctx.query, 'force'),
      volumes: queryBool(ctx.query, 'v'),
    });
  });
  router.post('/containers/{id}/wait', (ctx) => wait(daemon, ctx));
  router.post('/containers/{id}/attach', (ctx) => attachContainer(containers(), id(ctx), ctx));
  router.get('/containers/{id}/logs', (ctx) => streamLogs(containers(), id(ctx), ctx));
  router.get('/containers/{id}/top', (ctx) => topContainer(containers(), id(ctx), ctx.query.get('ps_args')));
  router.get('/containers/{id}/stats', (ctx) => streamStats(containers(), id(ctx), ctx));
  router.post('/containers/{id}/resize', async (ctx) => {
    const record = containers().store.resolve(id(ctx));
    const h = queryInt(ctx.query, 'h') ?? 0;
    const w = queryInt(ctx.query, 'w') ?? 0;
    if (record.state.Status !== 'running') throw conflict(`Container ${record.id} is not running`);
    const attachment = await daemon.exec.attach(record.id);
    attachment.resize(h, w);
    attachment.detach();
    ctx.res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 0 });
    ctx.res.end();
  });
  router.head('/containers/{id}/archive', (ctx) => statContainerPath(daemon, ctx));
  router.get('/containers/{id}/archive', (ctx) => getContainerArchive(daemon, ctx));
  router.put('/containers/{id}/archive', (ctx) => putContainerArchive(daemon, ctx));
  router.get('/containers/{id}/export', (ctx) => exportContainer(daemon, ctx));
  router.get('/containers/{id}/changes', async (ctx) => {
    const record = containers().store.resolve(id(ctx));
    if (!daemon.layers.getRw(record.id)) return [];
    const changes = await daemon.layers.changesRw(record.id);
    return changes.map((c) => ({ Path: c.path, Kind: CHANGE_KIND[c.kind] }));
  });
}
