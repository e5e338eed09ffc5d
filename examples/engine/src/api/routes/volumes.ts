import { z } from 'zod';
import type { Daemon } from '../../daemon/daemon.js';
import { compareVersions } from '../api-version.js';
import { queryBool, queryFilters, readJson } from '../request-body.js';
import { sendEmpty, sendJson } from '../response.js';
import type { Router } from '../router.js';

const stringMap = z.record(z.string(), z.string()).nullish();

const createBody = z.object({
  Name: z.string().optional(),
  Driver: z.string().optional(),
  DriverOpts: stringMap,
  Labels: stringMap,
});

/** `/volumes`: Docker's volumes of the `local` driver (create, list, inspect, remove, prune). */
export function registerVolumeRoutes(router: Router, daemon: Daemon): void {
  const volumes = () => daemon.volumes;
  router.get('/volumes', (ctx) => ({
    Volumes: volumes()
      .listFiltered(queryFilters(ctx.query))
      .map((v) => volumes().toApi(v)),
    Warnings: null,
  }));
  router.post('/volumes/create', async (ctx) => {
    const body = await readJson(ctx.req, createBody);
    sendJson(ctx.res, 201, volumes().toApi(volumes().create(body)));
  });
  router.post('/volumes/prune', (ctx) =>
    volumes().prune(queryFilters(ctx.query), compareVersions(ctx.version, '1.42') >= 0),
  );
  router.get('/volumes/{name}', (ctx) => volumes().toApi(volumes().resolve(ctx.params.name as string)));
  router.delete('/volumes/{name}', (ctx) => {
    volumes().remove(ctx.params.name as string, { force: queryBool(ctx.query, 'force') });
    sendEmpty(ctx.res);
  });
}
