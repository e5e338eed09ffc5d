import { type DockerfileLine, jsonForm, parseError } from './dockerfile-parser.js';
import { splitKeepingQuotes } from './variable-expansion.js';

/** A command in exec form (JSON list) or shell form (run through SHELL). */
export type CommandForm = { exec: string[] } | { shell: string };

export interface Healthcheck {
  Test: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

/** A Dockerfile instruction, checked; words are still raw (substitution happens when it runs). */
export type Instruction = { source: DockerfileLine } & (
  | { kind: 'from'; image: string; stageName?: string; platform?: string }
  | { kind: 'run'; command: CommandForm }
  | { kind: 'cmd' | 'entrypoint'; command: CommandForm }
  | { kind: 'shell'; shell: string[] }
  | { kind: 'copy' | 'add'; sources: string[]; dest: string; chown?: string; from?: string }
  | { kind: 'env' | 'label'; pairs: Array<[string, string]> }
  | { kind: 'arg'; args: Array<{ name: string; value?: string }> }
  | { kind: 'expose' | 'workdir' | 'user' | 'stopsignal' | 'maintainer'; text: string }
  | { kind: 'volume'; paths: string[] }
  | { kind: 'healthcheck'; check: Healthcheck | 'none'; command?: CommandForm }
  | { kind: 'onbuild'; trigger: string }
);

const ALLOWED_FLAGS: Record<string, string[]> = {
  FROM: ['platform'],
  COPY: ['chown', 'from', 'chmod', 'link'],
  ADD: ['chown', 'chmod', 'link', 'checksum', 'keep-git-dir'],
  RUN: ['mount', 'network', 'security'],
  HEALTHCHECK: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
};

/** Flags the classic builder does not have (dockerd answers that they need BuildKit). */
const BUILDKIT_ONLY = new Set(['chmod', 'link', 'checksum', 'keep-git-dir', 'mount', 'network', 'security']);

function flagsOf(source: DockerfileLine): Map<string, string> {
  const allowed = ALLOWED_FLAGS[source.keyword] ?? [];
  const out = new Map<string, string>();
  for (const { name, value } of source.flags) {
    if (!allowed.includes(name)) throw parseError(source.line, `unknown flag: ${name}`);
    if (BUILDKIT_ONLY.has(name))
      throw parseError(source.line, `the --${name} option requires BuildKit: the classic builder does not support it`);
    if (value === undefined) throw parseError(source.line, `missing a value on flag: ${name}`);
    out.set(name, value);
  }
  return out;
}

function commandForm(source: DockerfileLine): CommandForm {
  const exec = jsonForm(source.args);
  if (exec) return { exec };
  if (source.args === '') throw parseError(source.line, `${source.keyword} requires at least one argument`);
  return { shell: source.args };
}

/** `K=V K2="v 2"`, or the old form `K some value` (one pair). */
function pairsOf(source: DockerfileLine): Array<[string, string]> {
  const { keyword, args, line } = source;
  if (args === '') throw parseError(line, `${keyword} requires at least one argument`);
  const words = splitKeepingQuotes(args);
  const first = words[0] as string;
  if (!first.includes('=')) {
    const value = args.slice(args.indexOf(first) + first.length).trim();
    if (keyword === 'ENV' && value === '') throw parseError(line, `ENV must have two arguments`);
    return [[first, value]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq <= 0) throw parseError(line, `${keyword} names can not be blank: ${JSON.stringify(w)}`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/** Go's time.ParseDuration, in nanoseconds (`30s`, `1m30s`, `500ms`). */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (units[m[2] as string] as number);
    at = re.lastIndex;
  }
  if (at !== text.length || text === '') throw new Error(`time: invalid duration ${JSON.stringify(text)}`);
  return Math.round(total);
}

function healthcheckOf(source: DockerfileLine, flags: Map<string, string>): Instruction {
  const { args, line } = source;
  const space = args.search(/\s/);
  const type = (space < 0 ? args : args.slice(0, space)).toUpperCase();
  if (type === 'NONE') {
    if (space >= 0 || flags.size > 0) throw parseError(line, "HEALTHCHECK NONE takes no arguments");
    return { kind: 'healthcheck', check: 'none', source };
  }
  if (type !== 'CMD') throw parseError(line, `Unknown type "${type}" in HEALTHCHECK (try CMD)`);
  const rest: DockerfileLine = { ...source, args: space < 0 ? '' : args.slice(space).trim() };
  const command = commandForm(rest);
  const check: Healthcheck = {
    Test: 'exec' in command ? ['CMD', ...command.exec] : ['CMD-SHELL', command.shell],
  };
  const durations: Array<[string, 'Interval' | 'Timeout' | 'StartPeriod' | 'StartInterval']> = [
    ['interval', 'Interval'],
    ['timeout', 'Timeout'],
    ['start-period', 'StartPeriod'],
    ['start-interval', 'StartInterval'],
  ];
  for (const [flag, key] of durations) {
    const value = flags.get(flag);
    if (value === undefined) continue;
    let ns: number;
    try {
      ns = parseDuration(value);
    } catch (err) {
      throw parseError(line, (err as Error).message);
    }
    if (ns !== 0 && ns < 1e6) throw parseError(line, `${flag} cannot be less than 1ms`);
    check[key] = ns;
  }
  const retries = flags.get('retries');
  if (retries !== undefined) {
    const n = Number(retries);
    if (!Number.isInteger(n)) throw parseError(line, `invalid retries: ${retries}`);
    if (n < 0) throw parseError(line, '--retries cannot be negative');
    check.Retries = n;
  }
  return { kind: 'healthcheck', check, command, source };
}

function copyOf(source: DockerfileLine, flags: Map<string, string>): Instruction {
  const { keyword, line } = source;
  const words = jsonForm(source.args) ?? source.args.split(/\s+/).filter(Boolean);
  if (words.length < 2) throw parseError(line, `${keyword} requires at least two arguments, but only one was provided. Destination could not be determined.`);
  const chown = flags.get('chown');
  const from = flags.get('from');
  if (keyword === 'ADD' && from !== undefined) throw parseError(line, 'unknown flag: from');
  return {
    kind: keyword === 'COPY' ? 'copy' : 'add',
    sources: words.slice(0, -1),
    dest: words[words.length - 1] as string,
    ...(chown ? { chown } : {}),
    ...(from !== undefined ? { from } : {}),
    source,
  };
}

function required(source: DockerfileLine): string {
  if (source.args === '') throw parseError(source.line, `${source.keyword} requires exactly one argument`);
  return source.args;
}

/** Checks one parsed line and gives it its typed shape; unknown instructions are a parse error. */
export function toInstruction(source: DockerfileLine): Instruction {
  const flags = flagsOf(source);
  const { args, line } = source;
  switch (source.keyword) {
    case 'FROM': {
      const words = args.split(/\s+/).filter(Boolean);
      if (words.length === 3 && words[1]?.toUpperCase() === 'AS') {
        const stageName = (words[2] as string).toLowerCase();
        if (!/^[a-z][a-z0-9-_.]*$/.test(stageName))
          throw parseError(line, `invalid name for build stage: "${words[2]}", name can't start with a number or contain symbols`);
        return { kind: 'from', image: words[0] as string, stageName, ...platformOf(flags), source };
      }
      if (words.length !== 1) throw parseError(line, 'FROM requires either one or three arguments');
      return { kind: 'from', image: words[0] as string, ...platformOf(flags), source };
    }
    case 'RUN':
      return { kind: 'run', command: commandForm(source), source };
    case 'CMD':
    case 'ENTRYPOINT':
      return { kind: source.keyword === 'CMD' ? 'cmd' : 'entrypoint', command: commandForm(source), source };
    case 'SHELL': {
      const shell = jsonForm(args);
      if (!shell || shell.length === 0) throw parseError(line, 'SHELL requires the arguments to be in JSON form');
      return { kind: 'shell', shell, source };
    }
    case 'COPY':
    case 'ADD':
      return copyOf(source, flags);
    case 'ENV':
    case 'LABEL':
      return { kind: source.keyword === 'ENV' ? 'env' : 'label', pairs: pairsOf(source), source };
    case 'ARG': {
      if (args === '') throw parseError(line, 'ARG requires at least one argument');
      const list = splitKeepingQuotes(args).map((word) => {
        const eq = word.indexOf('=');
        if (eq === 0) throw parseError(line, `ARG names can not be blank`);
        return eq < 0 ? { name: word } : { name: word.slice(0, eq), value: word.slice(eq + 1) };
      });
      return { kind: 'arg', args: list, source };
    }
    case 'EXPOSE':
    case 'WORKDIR':
    case 'USER':
    case 'STOPSIGNAL':
    case 'MAINTAINER':
      return {
        kind: source.keyword.toLowerCase() as 'expose' | 'workdir' | 'user' | 'stopsignal' | 'maintainer',
        text: required(source),
        source,
      };
    case 'VOLUME': {
      const paths = jsonForm(args) ?? args.split(/\s+/).filter(Boolean);
      if (paths.length === 0) throw parseError(line, 'VOLUME requires at least one argument');
      return { kind: 'volume', paths, source };
    }
    case 'HEALTHCHECK':
      return healthcheckOf(source, flags);
    case 'ONBUILD': {
      const trigger = required(source);
      const word = (trigger.split(/\s/, 1)[0] as string).toUpperCase();
      if (word === 'ONBUILD') throw parseError(line, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
      if (word === 'FROM' || word === 'MAINTAINER')
        throw parseError(line, `${word} isn't allowed as an ONBUILD trigger`);
      return { kind: 'onbuild', trigger, source };
    }
    default:
      throw parseError(line, `unknown instruction: ${source.keyword}`);
  }
}

function platformOf(flags: Map<string, string>): { platform?: string } {
  const platform = flags.get('platform');
  return platform ? { platform } : {};
}
