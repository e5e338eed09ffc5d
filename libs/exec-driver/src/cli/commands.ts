// Built-ins are imported statically: the bin runs this bundle from a V8 code cache through
// vm.Script, which has no loader for a dynamic import().
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ExecDriver } from '../driver/driver.js';
import { ExecDriverError } from '../errors.js';
import type { Process, Spec } from '../spec/types.js';
import type { Flags, GlobalFlags } from './args.js';

const str = (flags: Flags, name: string) => flags[name] as string | undefined;
const list = (flags: Flags, name: string) => (flags[name] as string[] | undefined) ?? [];

function needId(positionals: string[], command: string): string {
  const id = positionals[0];
  if (!id) throw new ExecDriverError('ERR_INVALID_ARGUMENT', `${command} needs a container ID`);
  return id;
}

/** Writes a PID file atomically (engines read it as soon as the command returns). */
function writePidFile(path: string | undefined, pid: number): void {
  if (!path) return;
  const p = resolve(path);
  writeFileSync(`${p}.tmp`, String(pid));
  writeFileSync(p, String(pid));
}

function parseSignal(value: string | undefined): NodeJS.Signals | number {
  if (!value) return 'SIGTERM';
  if (/^\d+$/.test(value)) return Number(value);
  const up = value.toUpperCase();
  return (up.startsWith('SIG') ? up : `SIG${up}`) as NodeJS.Signals;
}

export async function run(
  command: string,
  flags: Flags,
  positionals: string[],
  global: GlobalFlags,
): Promise<number> {
  if (command === 'features') {
    const { features } = await import('./features.js');
    process.stdout.write(`${JSON.stringify(features(), null, 2)}\n`);
    return 0;
  }
  const driver = new ExecDriver({ root: global.root });
  switch (command) {
    case 'create':
      await create(driver, flags, needId(positionals, command), false);
      return 0;
    case 'run':
      return runContainer(driver, flags, needId(positionals, command), global);
    case 'start':
      await driver.start(needId(positionals, command));
      return 0;
    case 'state': {
      const s = await driver.state(needId(positionals, command));
      process.stdout.write(`${JSON.stringify({ ...s, owner: '' }, null, 2)}\n`);
      return 0;
    }
    case 'kill':
      await driver.kill(needId(positionals, command), parseSignal(positionals[1]), {
        all: flags.all === true,
      });
      return 0;
    case 'delete': {
      const id = needId(positionals, command);
      try {
        await driver.delete(id, { force: flags.force === true });
      } catch (err) {
        // runc: deleting a container that does not exist with --force succeeds.
        if (!(flags.force && err instanceof ExecDriverError && err.code === 'ERR_CONTAINER_NOT_FOUND'))
          throw err;
      }
      return 0;
    }
    case 'pause':
      await driver.pause(needId(positionals, command));
      return 0;
    case 'resume':
      await driver.resume(needId(positionals, command));
      return 0;
    case 'update': {
      const { resourcesFromFlags } = await import('./update-resources.js');
      await driver.update(needId(positionals, command), await resourcesFromFlags(flags));
      return 0;
    }
    case 'list':
      return listCommand(driver, flags);
    case 'ps':
      return psCommand(driver, flags, positionals);
    case 'exec':
      return execCommand(driver, flags, positionals);
    default:
      throw new ExecDriverError('ERR_INVALID_ARGUMENT', `unknown command ${command}`);
  }
}

/**
 * Reads config.json without validating it: ExecDriver.create validates the spec it is given,
 * and a second pass over the schemas cost `run` ~2 ms. Only what the CLI itself looks at
 * (process.terminal) is read before that, defensively.
 */
function readBundleSpec(bundle: string): Spec {
  const path = join(bundle, 'config.json');
  let text: string;
  try {
    // Sync: an async read is four trips through libuv's thread pool (~3 ms at start-up).
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ExecDriverError('ERR_SPEC_INVALID', `cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as Spec;
  } catch (err) {
    throw new ExecDriverError(
      'ERR_SPEC_INVALID',
      `config.json is not valid JSON: ${(err as Error).message}`,
      {
        field: '',
      },
    );
  }
}

/**
 * create: the container waits for `start`. Without a terminal its stdio is this process's; with
 * one, the pty master goes to --console-socket. Detached (`create`, `run -d`) it is handed to
 * the caller's reaper, as runc does: --pid-file names the container's own process, which the
 * engine (containerd's shim, conmon) reaps once this command has exited.
 */
async function create(driver: ExecDriver, flags: Flags, id: string, foreground: boolean) {
  const bundle = resolve(str(flags, 'bundle') ?? '.');
  const spec = readBundleSpec(bundle);
  const terminal = spec?.process?.terminal === true;
  const consoleSocket = str(flags, 'console-socket');
  if (terminal && !consoleSocket && !foreground)
    throw new ExecDriverError(
      'ERR_INVALID_ARGUMENT',
      'cannot allocate tty if berth-runtime will detach without setting console socket',
    );
  if (!terminal && consoleSocket)
    throw new ExecDriverError(
      'ERR_INVALID_ARGUMENT',
      'cannot use console socket if berth-runtime will not allocate tty',
    );
  if (foreground && terminal && !consoleSocket && typeof spec.process === 'object' && process.stdout.isTTY)
    spec.process.consoleSize = { height: process.stdout.rows, width: process.stdout.columns };
  await driver.create({
    id,
    bundle,
    spec,
    stdin: !terminal || !consoleSocket,
    consoleSocket,
    handOff: !foreground,
  });
  if (foreground) return;
  try {
    writePidFile(str(flags, 'pid-file'), (await driver.container(id)).pid);
  } catch (err) {
    await driver.delete(id, { force: true }).catch(() => undefined);
    throw err;
  }
}

/**
 * run: create + start. In the foreground this process becomes the container's monitor or, with a
 * terminal or hooks, relays stdio, forwards signals and deletes the container at the end.
 */
async function runContainer(
  driver: ExecDriver,
  flags: Flags,
  id: string,
  global: GlobalFlags,
): Promise<number> {
  if (flags.detach) {
    await create(driver, flags, id, false);
    await driver.start(id).catch(async (err) => {
      await driver.delete(id, { force: true }).catch(() => undefined);
      throw err;
    });
    return 0;
  }
  const bundle = resolve(str(flags, 'bundle') ?? '.');
  const spec = readBundleSpec(bundle);
  const hooks = Object.values(spec?.hooks ?? {}).some((h) => Array.isArray(h) && h.length > 0);
  // Without a terminal to relay or hooks to run, this process becomes the container's monitor
  // (as `runc run` is one process): no attach, relay or delete round trips from Node.
  if (spec?.process?.terminal !== true && !hooks && !str(flags, 'console-socket'))
    return driver.runInPlace({
      id,
      bundle,
      spec,
      pidFile: str(flags, 'pid-file'),
      keep: flags.keep === true,
      errorLog: global.log ? { path: global.log, format: global.logFormat } : undefined,
    });
  await create(driver, flags, id, true);
  const { pump, forwardSignals, exitLike } = await import('./io.js');
  let status: Awaited<ReturnType<typeof pump>>;
  try {
    const state = await driver.state(id);
    writePidFile(str(flags, 'pid-file'), state.pid ?? 0);
    const attachment = await driver.attach(id);
    const stop = forwardSignals((s) => void driver.kill(id, s).catch(() => undefined));
    const terminal = (await driver.container(id)).record.terminal;
    const done = pump(attachment, { terminal, stdin: true });
    await attachment.start();
    status = (await done) ?? (await driver.wait(id));
    stop();
  } finally {
    if (!flags.keep) await driver.delete(id, { force: true }).catch(() => undefined);
  }
  return exitLike(status);
}

async function execCommand(driver: ExecDriver, flags: Flags, positionals: string[]): Promise<number> {
  const id = needId(positionals, 'exec');
  let proc: Process;
  const processFile = str(flags, 'process');
  if (processFile) {
    const { validateProcess } = await import('../spec/validate.js');
    proc = validateProcess(JSON.parse(readFileSync(processFile, 'utf8')));
  } else {
    const args = positionals.slice(1);
    if (args.length === 0)
      throw new ExecDriverError('ERR_INVALID_ARGUMENT', 'exec needs a command (or --process)');
    const c = await driver.container(id);
    const base = (JSON.parse(await readFile(join(c.stateDir, 'config.json'), 'utf8')) as Spec).process!;
    proc = { ...base, args, terminal: flags.tty === true };
    delete proc.consoleSize;
    if (str(flags, 'cwd')) proc.cwd = str(flags, 'cwd')!;
    const env = list(flags, 'env');
    if (env.length)
      proc.env = [
        ...(proc.env ?? []).filter((e) => !env.some((o) => o.split('=')[0] === e.split('=')[0])),
        ...env,
      ];
    const user = str(flags, 'user');
    if (user) {
      const [uid, gid] = user.split(':');
      proc.user = { uid: Number(uid), gid: Number(gid ?? 0) };
    }
    const gids = list(flags, 'additional-gids').map(Number);
    if (gids.length) proc.user = { ...(proc.user ?? { uid: 0, gid: 0 }), additionalGids: gids };
    const caps = list(flags, 'cap');
    if (caps.length && proc.capabilities) {
      const add = (set?: string[]) => [...new Set([...(set ?? []), ...caps])];
      proc.capabilities = {
        ...proc.capabilities,
        bounding: add(proc.capabilities.bounding),
        effective: add(proc.capabilities.effective),
        permitted: add(proc.capabilities.permitted),
      };
    }
    if (flags['no-new-privs']) proc.noNewPrivileges = true;
  }
  const consoleSocket = str(flags, 'console-socket');
  const detach = flags.detach === true;
  if (proc.terminal && detach && !consoleSocket)
    throw new ExecDriverError(
      'ERR_INVALID_ARGUMENT',
      'cannot allocate tty if berth-runtime will detach without setting console socket',
    );
  if (proc.terminal && !consoleSocket && process.stdout.isTTY)
    proc.consoleSize = { height: process.stdout.rows, width: process.stdout.columns };
  const p = await driver.exec(id, proc, { stdin: !consoleSocket, consoleSocket, handOff: detach });
  if (detach) {
    // Handed over like a created container: the engine reaps the process in --pid-file.
    await p.start();
    writePidFile(str(flags, 'pid-file'), p.pid);
    return 0;
  }
  const { pump, forwardSignals, exitLike } = await import('./io.js');
  writePidFile(str(flags, 'pid-file'), p.pid);
  if (consoleSocket) {
    await p.start();
    return exitLike(await p.wait());
  }
  const attachment = await p.attach();
  const stop = forwardSignals((s) => p.kill(s));
  const done = pump(attachment, { terminal: proc.terminal === true, stdin: true });
  await attachment.start();
  const status = (await done) ?? (await p.wait());
  stop();
  return exitLike(status);
}

async function listCommand(driver: ExecDriver, flags: Flags): Promise<number> {
  const all = await driver.list();
  if (flags.quiet) {
    for (const c of all) process.stdout.write(`${c.id}\n`);
  } else if (str(flags, 'format') === 'json') {
    process.stdout.write(`${JSON.stringify(all.map((c) => ({ ...c, owner: 'root' })))}\n`);
  } else {
    const rows = [
      ['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'],
      ...all.map((c) => [c.id, String(c.pid ?? 0), c.status, c.bundle, c.created, 'root']),
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows)
      process.stdout.write(
        `${r
          .map((v, i) => v.padEnd(widths[i]!))
          .join('   ')
          .trimEnd()}\n`,
      );
  }
  return 0;
}

async function psCommand(driver: ExecDriver, flags: Flags, positionals: string[]): Promise<number> {
  const id = needId(positionals, 'ps');
  const pids = await driver.pids(id);
  if (str(flags, 'format') === 'json') {
    process.stdout.write(`${JSON.stringify(pids)}\n`);
    return 0;
  }
  const psArgs = positionals.slice(1);
  const out = execFileSync('ps', psArgs.length ? psArgs : ['-ef'], { encoding: 'utf8' }).split('\n');
  const header = out[0] ?? '';
  const pidCol = header.trim().split(/\s+/).indexOf('PID');
  process.stdout.write(`${header}\n`);
  for (const line of out.slice(1)) {
    const pid = Number(line.trim().split(/\s+/)[pidCol]);
    if (pids.includes(pid)) process.stdout.write(`${line}\n`);
  }
  return 0;
}
