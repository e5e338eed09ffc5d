/** A small parser for runc's command line (urfave/cli style: `--flag value`, `--flag=value`, `-f`). */

export class UsageError extends Error {}

export interface GlobalFlags {
  root: string;
  log?: string;
  logFormat: 'text' | 'json';
  systemdCgroup: boolean;
  debug: boolean;
  help: boolean;
  version: boolean;
}

export type Flags = Record<string, string | boolean | string[]>;

type Kind = 'bool' | 'string' | 'multi';
interface FlagSpec {
  name: string;
  kind: Kind;
  aliases: string[];
}

const f = (name: string, kind: Kind, ...aliases: string[]): FlagSpec => ({
  name,
  kind,
  aliases: [name, ...aliases],
});

const GLOBAL: FlagSpec[] = [
  f('root', 'string'),
  f('log', 'string'),
  f('log-format', 'string'),
  f('systemd-cgroup', 'bool'),
  f('debug', 'bool'),
  f('rootless', 'string'),
  f('criu', 'string'),
  f('help', 'bool', 'h'),
  f('version', 'bool', 'v'),
];

const CREATE = [
  f('bundle', 'string', 'b'),
  f('console-socket', 'string'),
  f('pid-file', 'string'),
  f('no-pivot', 'bool'),
  f('no-new-keyring', 'bool'),
  f('preserve-fds', 'string'),
  f('pidfd-socket', 'string'),
];

/** Flags per command; `trailing` commands take the rest of the line after the ID verbatim. */
export const COMMANDS: Record<string, { flags: FlagSpec[]; trailing?: boolean }> = {
  create: { flags: CREATE },
  run: { flags: [...CREATE, f('detach', 'bool', 'd'), f('keep', 'bool')] },
  start: { flags: [] },
  state: { flags: [] },
  kill: { flags: [f('all', 'bool', 'a')] },
  delete: { flags: [f('force', 'bool', 'f')] },
  exec: {
    trailing: true,
    flags: [
      f('console-socket', 'string'),
      f('pidfd-socket', 'string'),
      f('cwd', 'string'),
      f('env', 'multi', 'e'),
      f('tty', 'bool', 't'),
      f('user', 'string', 'u'),
      f('additional-gids', 'multi', 'g'),
      f('process', 'string', 'p'),
      f('detach', 'bool', 'd'),
      f('pid-file', 'string'),
      f('process-label', 'string'),
      f('apparmor', 'string'),
      f('no-new-privs', 'bool'),
      f('cap', 'multi', 'c'),
      f('preserve-fds', 'string'),
      f('cgroup', 'multi'),
      f('ignore-paused', 'bool'),
    ],
  },
  list: { flags: [f('format', 'string', 'f'), f('quiet', 'bool', 'q')] },
  ps: { flags: [f('format', 'string', 'f')], trailing: true },
  pause: { flags: [] },
  resume: { flags: [] },
  update: {
    flags: [
      f('resources', 'string', 'r'),
      f('memory', 'string'),
      f('memory-swap', 'string'),
      f('memory-reservation', 'string'),
      f('cpu-period', 'string'),
      f('cpu-quota', 'string'),
      f('cpu-share', 'string'),
      f('cpuset-cpus', 'string'),
      f('cpuset-mems', 'string'),
      f('pids-limit', 'string'),
    ],
  },
  features: { flags: [] },
  version: { flags: [] },
};

function parseFlags(
  tokens: string[],
  specs: FlagSpec[],
  stopAtPositional: boolean,
  trailingAfter: number,
): { flags: Flags; rest: string[] } {
  const flags: Flags = {};
  const rest: string[] = [];
  let i = 0;
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === '--') {
      rest.push(...tokens.slice(i + 1));
      break;
    }
    if (!t.startsWith('-') || t === '-') {
      rest.push(t);
      if (stopAtPositional || rest.length > trailingAfter) {
        rest.push(...tokens.slice(i + 1));
        break;
      }
      continue;
    }
    const body = t.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const spec = specs.find((s) => s.aliases.includes(name));
    if (!spec) {
      // Combined short booleans: -dt, -it
      if (
        !t.startsWith('--') &&
        name.length > 1 &&
        [...name].every((c) => specs.find((s) => s.aliases.includes(c))?.kind === 'bool')
      ) {
        for (const c of name) flags[specs.find((s) => s.aliases.includes(c))!.name] = true;
        continue;
      }
      throw new UsageError(`flag provided but not defined: ${t}`);
    }
    if (spec.kind === 'bool') {
      flags[spec.name] = eq >= 0 ? body.slice(eq + 1) !== 'false' : true;
      continue;
    }
    let value: string;
    if (eq >= 0) value = body.slice(eq + 1);
    else {
      if (i + 1 >= tokens.length) throw new UsageError(`flag needs an argument: ${t}`);
      value = tokens[++i]!;
    }
    if (spec.kind === 'multi') {
      const values = (flags[spec.name] as string[] | undefined) ?? [];
      values.push(value);
      flags[spec.name] = values;
    } else flags[spec.name] = value;
  }
  return { flags, rest };
}

export function parseCommandLine(argv: string[]): {
  global: GlobalFlags;
  command: string | undefined;
  flags: Flags;
  positionals: string[];
} {
  const g = parseFlags(argv, GLOBAL, true, 0);
  const logFormat = (g.flags['log-format'] as string | undefined) ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') throw new UsageError(`unknown --log-format ${logFormat}`);
  const global: GlobalFlags = {
    root: (g.flags.root as string | undefined) ?? '/run/berth/runtime',
    log: g.flags.log as string | undefined,
    logFormat,
    systemdCgroup: g.flags['systemd-cgroup'] === true,
    debug: g.flags.debug === true,
    help: g.flags.help === true,
    version: g.flags.version === true,
  };
  const [command, ...rest] = g.rest;
  if (!command) return { global, command: undefined, flags: {}, positionals: [] };
  const spec = COMMANDS[command];
  if (!spec) throw new UsageError(`unknown command ${command}`);
  const help = rest.includes('--help') || rest.includes('-h');
  if (help) return { global: { ...global, help: true }, command: undefined, flags: {}, positionals: [] };
  // Flags may come before or after the ID (urfave/cli stops at the first positional; runc users
  // write `kill ID SIGNAL`). A trailing command (exec, ps) keeps everything after the ID as is.
  const { flags, rest: positionals } = parseFlags(
    rest,
    spec.flags,
    false,
    spec.trailing ? 0 : Number.POSITIVE_INFINITY,
  );
  return { global, command, flags, positionals };
}
