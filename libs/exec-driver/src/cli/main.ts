#!/usr/bin/env node
// berth-runtime: an OCI runtime command line (runc's) over @berth/exec-driver. Start-up is
// kept small: only this file loads eagerly; each command imports what it needs.
import process from 'node:process';
import { type Flags, parseCommandLine, UsageError } from './args.js';

const VERSION = '0.0.0';

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`berth-runtime: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const { global, command } = parsed;
  if (global.version || command === 'version') {
    process.stdout.write(`berth-runtime version ${VERSION}\nspec: 1.2.0\n`);
    return 0;
  }
  if (global.help || !command) {
    process.stdout.write(USAGE);
    return command || global.help ? 0 : 2;
  }
  try {
    const { run } = await import('./commands.js');
    return await run(command, parsed.flags, parsed.positionals, global);
  } catch (err) {
    const { reportError } = await import('./log.js');
    reportError(global, err);
    return 1;
  }
}

const USAGE = `berth-runtime: an OCI runtime (runc's command line) on @berth/exec-driver

usage: berth-runtime [global options] command [command options] [arguments...]

commands:
  create    create a container (--bundle, --pid-file, --console-socket)
  start     start a created container
  run       create and start a container (--detach, --keep)
  state     print the state of a container (JSON)
  kill      send a signal to a container (--all)
  delete    delete a container (--force)
  exec      run a process in a running container (--process, --tty, --env, --cwd, --user, --detach)
  list      list containers (--format table|json, --quiet)
  ps        list the processes of a container (--format table|json)
  pause     freeze a container's processes
  resume    thaw a paused container
  features  print the features this runtime supports (JSON)

global options:
  --root DIR             state directory (default /run/berth/runtime)
  --log FILE             where errors are written (default stderr)
  --log-format text|json
  --systemd-cgroup       accepted; systemd-style cgroupsPath values are mapped to cgroupfs paths
  --version, --help
`;

export type { Flags };

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`berth-runtime: ${(err as Error)?.stack ?? err}\n`);
    process.exitCode = 1;
  },
);
