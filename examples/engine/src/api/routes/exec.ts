import { z } from 'zod';
import { readUpgradeBody } from '../../containers/upgrade-body.js';
import type { Daemon } from '../../daemon/daemon.js';
import { badRequest } from '../api-error.js';
import { hijack, MULTIPLEXED_STREAM, RAW_STREAM } from '../hijack.js';
import { queryInt, readJson } from '../request-body.js';
import type { Router } from '../router.js';

const execCreateSchema = z
  .object({
    User: z.string().nullish(),
    Privileged: z.boolean().nullish(),
    Tty: z.boolean().nullish(),
    AttachStdin: z.boolean().nullish(),
    AttachStdout: z.boolean().nullish(),
    AttachStderr: z.boolean().nullish(),
    DetachKeys: z.string().nullish(),
    Env: z.array(z.string()).nullish(),
    WorkingDir: z.string().nullish(),
    Cmd: z.union([z.array(z.string()), z.string()]).nullish(),
  })
  .loose();

const execStartSchema = z.object({ Detach: z.boolean().nullish(), Tty: z.boolean().nullish() }).loose();

function parseStart(value: unknown): z.infer<typeof execStartSchema> {
  const parsed = execStartSchema.safeParse(value);
  if (!parsed.success) throw badRequest('invalid request body: expected {"Detach", "Tty"}');
  return parsed.data;
}

export function registerExecRoutes(router: Router, daemon: Daemon): void {
  const execs = () => daemon.containers.execs;

  router.post('/containers/{id}/exec', async (ctx) => {
    const body = await readJson(ctx.req, execCreateSchema);
    const cmd = typeof body.Cmd === 'string' ? [body.Cmd] : (body.Cmd ?? []);
    if (cmd.length === 0) throw badRequest('No exec command specified');
    if (body.WorkingDir && !body.WorkingDir.startsWith('/'))
      throw badRequest(
        `the working directory '${body.WorkingDir}' is invalid, it needs to be an absolute path`,
      );
    const result = execs().create(ctx.params.id as string, {
      User: body.User ?? '',
      Privileged: body.Privileged ?? false,
      Tty: body.Tty ?? false,
      AttachStdin: body.AttachStdin ?? false,
      AttachStdout: body.AttachStdout ?? false,
      AttachStderr: body.AttachStderr ?? false,
      DetachKeys: body.DetachKeys ?? '',
      Env: body.Env ?? [],
      WorkingDir: body.WorkingDir ?? '',
      Cmd: cmd,
    });
    const text = JSON.stringify(result);
    ctx.res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    ctx.res.end(text);
  });

  router.post('/exec/{id}/start', async (ctx) => {
    const body = ctx.upgrade
      ? parseStart(await readUpgradeBody(ctx).catch(() => undefined))
      : await readJson(ctx.req, execStartSchema);
    const exec = execs().get(ctx.params.id as string);
    const tty = exec.config.Tty;
    await execs().start(exec.id, { detach: body.Detach ?? false }, () =>
      hijack(ctx, tty ? RAW_STREAM : MULTIPLEXED_STREAM),
    );
    if (body.Detach && !ctx.res.headersSent) {
      ctx.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 0 });
      ctx.res.end();
    }
  });

  router.post('/exec/{id}/resize', (ctx) => {
    execs().resize(ctx.params.id as string, queryInt(ctx.query, 'h') ?? 0, queryInt(ctx.query, 'w') ?? 0);
    ctx.res.writeHead(200, { 'Content-Length': 0 });
    ctx.res.end();
  });

  router.get('/exec/{id}/json', (ctx) => execs().inspect(ctx.params.id as string));
}
