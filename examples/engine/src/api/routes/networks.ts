import { z } from 'zod';
import type { Daemon } from '../../daemon/daemon.js';
import { queryFilters, readJson } from '../request-body.js';
import { sendEmpty, sendJson } from '../response.js';
import type { Router } from '../router.js';

const stringMap = z.record(z.string(), z.string()).nullish();

const createBody = z.object({
  Name: z.string({ error: 'Name is required' }),
  Driver: z.string().optional(),
  Scope: z.string().optional(),
  CheckDuplicate: z.boolean().optional(), // always done: names are unique
  Internal: z.boolean().optional(),
  Attachable: z.boolean().optional(),
  Ingress: z.boolean().optional(),
  ConfigOnly: z.boolean().optional(),
  ConfigFrom: z.object({ Network: z.string().optional() }).nullish(),
  EnableIPv4: z.boolean().nullish(),
  EnableIPv6: z.boolean().nullish(),
  IPAM: z
    .object({
      Driver: z.string().optional(),
      Config: z
        .array(
          z.object({
            Subnet: z.string().optional(),
            Gateway: z.string().optional(),
            IPRange: z.string().optional(),
            AuxiliaryAddresses: stringMap,
          }),
        )
        .nullish(),
      Options: stringMap,
    })
    .nullish(),
  Options: stringMap,
  Labels: stringMap,
});

const endpointConfig = z
  .object({
    Aliases: z.array(z.string()).nullish(),
    IPAMConfig: z.object({ IPv4Address: z.string().optional() }).nullish(),
  })
  .nullish();

const connectBody = z.object({ Container: z.string().min(1), EndpointConfig: endpointConfig });
const disconnectBody = z.object({ Container: z.string().min(1), Force: z.boolean().optional() });

/** `/networks`: Docker's network objects (create, list, inspect, connect, disconnect, remove, prune). */
export function registerNetworkRoutes(router: Router, daemon: Daemon): void {
  const networks = () => daemon.networks;
  router.get('/networks', (ctx) => networks().list(queryFilters(ctx.query)));
  router.post('/networks/create', async (ctx) => {
    const body = await readJson(ctx.req, createBody);
    sendJson(ctx.res, 201, await networks().create(body));
  });
  router.post('/networks/prune', async (ctx) => ({
    NetworksDeleted: await networks().prune(queryFilters(ctx.query)),
  }));
  router.get('/networks/{id}', (ctx) => networks().inspect(ctx.params.id as string));
  router.delete('/networks/{id}', (ctx) => networks().remove(ctx.params.id as string));
  router.post('/networks/{id}/connect', async (ctx) => {
    const body = await readJson(ctx.req, connectBody);
    await networks().connect(ctx.params.id as string, body.Container, {
      Aliases: body.EndpointConfig?.Aliases ?? null,
      IPAMConfig: body.EndpointConfig?.IPAMConfig ?? null,
    });
    sendEmpty(ctx.res, 200);
  });
  router.post('/networks/{id}/disconnect', async (ctx) => {
    const body = await readJson(ctx.req, disconnectBody);
    await networks().disconnect(ctx.params.id as string, body.Container);
    sendEmpty(ctx.res, 200);
  });
}
