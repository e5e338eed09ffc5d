import { Command } from 'commander';
import { ENGINE_VERSION } from '../daemon/version.js';
import { registerBuild } from './commands/build.js';
import { registerCreate } from './commands/create.js';
import { registerExec } from './commands/exec.js';
import { registerImages } from './commands/images.js';
import { registerInfo } from './commands/info.js';
import { registerInspect, registerTypedInspect } from './commands/inspect.js';
import { registerLifecycle } from './commands/lifecycle.js';
import { registerLoad } from './commands/load.js';
import { registerLogs } from './commands/logs.js';
import { registerNetwork } from './commands/network.js';
import { registerPort } from './commands/port.js';
import { registerPs } from './commands/ps.js';
import { registerPull } from './commands/pull.js';
import { registerPush } from './commands/push.js';
import { registerRmi } from './commands/rmi.js';
import { registerRun } from './commands/run.js';
import { registerSave } from './commands/save.js';
import { registerStart } from './commands/start.js';
import { registerTag } from './commands/tag.js';
import { registerVersion } from './commands/version.js';
import { type CliContext, createContext } from './context.js';

/** `berth image …`: the image commands under their management-command names. */
function registerImageGroup(program: Command, ctx: CliContext): void {
  const image = program.command('image').description('Manage images');
  registerImages(image, ctx, 'ls');
  registerBuild(image, ctx);
  registerPull(image, ctx);
  registerPush(image, ctx);
  registerRmi(image, ctx, 'rm');
  registerTag(image, ctx);
  registerLoad(image, ctx);
  registerSave(image, ctx);
  registerTypedInspect(image, ctx, 'image');
}

/** `berth container …`: the container commands under their management-command names. */
function registerContainerGroup(program: Command, ctx: CliContext): void {
  const container = program.command('container').description('Manage containers').enablePositionalOptions();
  registerPs(container, ctx, 'ls');
  registerRun(container, ctx);
  registerCreate(container, ctx);
  registerStart(container, ctx);
  registerLifecycle(container, ctx);
  registerLogs(container, ctx);
  registerExec(container, ctx);
  registerPort(container, ctx);
  registerTypedInspect(container, ctx, 'container');
}

/** The command tree: global flags first (`berth -H unix:///x ps`), then one command. */
export function buildProgram(): Command {
  const program = new Command('berth');
  const ctx = createContext(() => program.opts<{ host?: string }>().host);
  program
    .description('A self-sufficient runtime for containers (the Berth engine CLI)')
    .usage('[OPTIONS] COMMAND')
    .option('-H, --host <address>', 'daemon socket to connect to (unix://PATH)')
    .version(`Berth version ${ENGINE_VERSION}`, '-v, --version', 'print version information and quit')
    .enablePositionalOptions()
    .exitOverride()
    .showSuggestionAfterError(false);
  const commands = [
    registerRun,
    registerCreate,
    registerExec,
    registerPs,
    registerImages,
    registerPull,
    registerPush,
    registerBuild,
    registerStart,
    registerLifecycle,
    registerLogs,
    registerRmi,
    registerTag,
    registerLoad,
    registerSave,
    registerInspect,
    registerPort,
    registerNetwork,
    registerImageGroup,
    registerContainerGroup,
    registerInfo,
    registerVersion,
  ];
  for (const register of commands) register(program, ctx);
  return program;
}
