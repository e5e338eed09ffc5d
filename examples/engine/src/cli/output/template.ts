import { CliError } from '../errors.js';

/**
 * A small Go text/template, enough for Docker's `--format`: `{{.Field.Sub}}`, pipelines `|`, functions
 * (json, index, join, split, upper, lower, title, len, println, printf, truncate, pad, eq, ne, not,
 * and, or), `if`/`with`/`range` with `else` and `range $k, $v := …` variables, and `{{-`/`-}}` trims.
 */
export type Template = (data: unknown) => string;

type Arg =
  | { kind: 'field'; from: 'dot' | string; path: string[] }
  | { kind: 'literal'; value: unknown }
  | { kind: 'function'; name: string }
  | { kind: 'pipe'; pipe: Pipeline };
type Command = Arg[];
interface Pipeline {
  declare: string[];
  commands: Command[];
}
type Node =
  | { kind: 'text'; text: string }
  | { kind: 'output'; pipe: Pipeline }
  | { kind: 'if' | 'with' | 'range'; pipe: Pipeline; body: Node[]; otherwise: Node[] };

const fail = (message: string): never => {
  throw new CliError(`template parsing error: ${message}`);
};

// ---- lexing -----------------------------------------------------------------------------------

function splitActions(source: string): { text: string; action?: string }[] {
  const parts: { text: string; action?: string }[] = [];
  let rest = source;
  for (;;) {
    const open = rest.indexOf('{{');
    if (open < 0) {
      parts.push({ text: rest });
      return parts;
    }
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) fail('unclosed action');
    let text = rest.slice(0, open);
    let action = rest.slice(open + 2, close);
    if (action.startsWith('-')) {
      text = text.trimEnd();
      action = action.slice(1);
    }
    let after = rest.slice(close + 2);
    if (action.endsWith('-')) {
      action = action.slice(0, -1);
      after = after.trimStart();
    }
    parts.push({ text, action: action.trim() });
    rest = after;
  }
}

function tokenize(action: string): string[] {
  const tokens: string[] = [];
  const token = /"(?:[^"\\]|\\.)*"|`[^`]*`|\(|\)|\||:=|,|[^\s()|,]+/y;
  let at = 0;
  while (at < action.length) {
    if (/\s/.test(action[at] as string)) {
      at++;
      continue;
    }
    token.lastIndex = at;
    const m = token.exec(action) ?? fail(`unexpected "${action.slice(at)}"`);
    tokens.push(m[0]);
    at = token.lastIndex;
  }
  return tokens;
}

// ---- parsing ----------------------------------------------------------------------------------

function parseArg(token: string, tokens: string[]): Arg {
  if (token === '(') {
    const inner: string[] = [];
    let depth = 1;
    for (;;) {
      const t = tokens.shift() ?? fail('unclosed parenthesis');
      if (t === '(') depth++;
      if (t === ')' && --depth === 0) break;
      inner.push(t);
    }
    return { kind: 'pipe', pipe: parsePipeline(inner) };
  }
  if (token.startsWith('"')) return { kind: 'literal', value: JSON.parse(token) };
  if (token.startsWith('`')) return { kind: 'literal', value: token.slice(1, -1) };
  if (/^-?\d+(\.\d+)?$/.test(token)) return { kind: 'literal', value: Number(token) };
  if (token === 'true' || token === 'false') return { kind: 'literal', value: token === 'true' };
  if (token === 'nil') return { kind: 'literal', value: null };
  if (token === '.') return { kind: 'field', from: 'dot', path: [] };
  if (token.startsWith('.')) return { kind: 'field', from: 'dot', path: token.slice(1).split('.') };
  if (token.startsWith('$')) {
    const [name = '$', ...path] = token.split('.');
    return { kind: 'field', from: name, path };
  }
  if (/^[A-Za-z_]\w*$/.test(token)) return { kind: 'function', name: token };
  return fail(`unexpected "${token}"`);
}

function parsePipeline(tokens: string[]): Pipeline {
  const declare: string[] = [];
  const assign = tokens.indexOf(':=');
  if (assign >= 0) {
    for (const t of tokens.splice(0, assign + 1)) if (t.startsWith('$')) declare.push(t);
  }
  const commands: Command[] = [[]];
  while (tokens.length) {
    const token = tokens.shift() as string;
    if (token === '|') commands.push([]);
    else (commands[commands.length - 1] as Command).push(parseArg(token, tokens));
  }
  if (commands.some((c) => c.length === 0)) fail('missing value for command');
  return { declare, commands };
}

function parse(source: string): Node[] {
  const root: Node[] = [];
  const stack: { nodes: Node[]; block?: Extract<Node, { body: Node[] }>; inElse: boolean }[] = [
    { nodes: root, inElse: false },
  ];
  const current = () => stack[stack.length - 1] as (typeof stack)[number];
  for (const { text, action } of splitActions(source)) {
    if (text) current().nodes.push({ kind: 'text', text });
    if (action === undefined || action.startsWith('/*')) continue;
    const tokens = tokenize(action);
    const keyword = tokens[0];
    if (keyword === 'if' || keyword === 'with' || keyword === 'range') {
      const block = {
        kind: keyword,
        pipe: parsePipeline(tokens.slice(1)),
        body: [],
        otherwise: [],
      } as Extract<Node, { body: Node[] }>;
      current().nodes.push(block);
      stack.push({ nodes: block.body, block, inElse: false });
    } else if (keyword === 'else') {
      const frame = current();
      if (!frame.block || frame.inElse) fail('unexpected {{else}}');
      frame.inElse = true;
      frame.nodes = (frame.block as Extract<Node, { body: Node[] }>).otherwise;
      if (tokens[1] === 'if') {
        // `else if` nests an if that the same {{end}} closes.
        const nested = {
          kind: 'if',
          pipe: parsePipeline(tokens.slice(2)),
          body: [],
          otherwise: [],
        } as Extract<Node, { body: Node[] }>;
        frame.nodes.push(nested);
        frame.nodes = nested.body;
        frame.block = nested;
        frame.inElse = false;
      }
    } else if (keyword === 'end') {
      if (stack.length === 1) fail('unexpected {{end}}');
      stack.pop();
    } else if (tokens.length === 0) {
      fail('missing value for command');
    } else {
      current().nodes.push({ kind: 'output', pipe: parsePipeline(tokens) });
    }
  }
  if (stack.length !== 1) fail('unexpected EOF');
  return root;
}

// ---- evaluation -------------------------------------------------------------------------------

/** How Go prints a value with `%v`. */
export function goPrint(value: unknown, top = true): string {
  if (value === undefined) return top ? '<no value>' : '<nil>';
  if (value === null) return '<nil>';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map((v) => goPrint(v, false)).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((k) => `${k}:${goPrint((value as Record<string, unknown>)[k], false)}`);
    return `map[${entries.join(' ')}]`;
  }
  return String(value);
}

/** Go's `json` template function: sorted map keys, HTML characters escaped. */
export function goJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return (JSON.stringify(sorted(value ?? null)) ?? 'null')
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
}

function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value as object).length > 0;
  return true;
}

function field(value: unknown, path: string[]): unknown {
  let v = value;
  for (const name of path) {
    if (v === null || v === undefined || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[name];
  }
  return v;
}

function printf(format: string, ...args: unknown[]): string {
  let i = 0;
  return format.replace(/%([-0-9.]*)([sdvqf%])/g, (_all, flags: string, verb: string) => {
    if (verb === '%') return '%';
    const arg = args[i++];
    const text =
      verb === 'q' ? JSON.stringify(goPrint(arg)) : verb === 'f' ? Number(arg).toFixed(6) : goPrint(arg);
    const width = Number.parseInt(flags, 10);
    if (Number.isNaN(width)) return text;
    return width < 0 ? text.padEnd(-width) : text.padStart(width);
  });
}

const FUNCTIONS: Record<string, (...args: unknown[]) => unknown> = {
  json: (v) => goJson(v),
  index: (v, ...keys) => keys.reduce((acc, k) => field(acc, [String(k)]), v),
  join: (list, sep) =>
    Array.isArray(list) ? list.map((x) => goPrint(x, false)).join(String(sep)) : goPrint(list),
  split: (s, sep) => String(s).split(String(sep)),
  upper: (s) => goPrint(s).toUpperCase(),
  lower: (s) => goPrint(s).toLowerCase(),
  title: (s) => goPrint(s).replace(/\b\w/g, (c) => c.toUpperCase()),
  len: (v) =>
    Array.isArray(v) || typeof v === 'string'
      ? v.length
      : v && typeof v === 'object'
        ? Object.keys(v).length
        : 0,
  print: (...args) => args.map((a) => goPrint(a)).join(''),
  println: (...args) => `${args.map((a) => goPrint(a)).join(' ')}\n`,
  printf: (format, ...args) => printf(String(format), ...args),
  truncate: (s, n) => [...goPrint(s)].slice(0, Number(n)).join(''),
  pad: (s, left, right) => `${' '.repeat(Number(left))}${goPrint(s)}${' '.repeat(Number(right))}`,
  eq: (a, ...bs) => bs.some((b) => a === b),
  ne: (a, b) => a !== b,
  lt: (a, b) => (a as number) < (b as number),
  gt: (a, b) => (a as number) > (b as number),
  not: (v) => !truthy(v),
  and: (...args) => args.find((a) => !truthy(a)) ?? args[args.length - 1],
  or: (...args) => args.find((a) => truthy(a)) ?? args[args.length - 1],
};

type Scope = Map<string, unknown>;

function evalArg(arg: Arg, dot: unknown, scope: Scope): unknown {
  switch (arg.kind) {
    case 'literal':
      return arg.value;
    case 'field': {
      if (arg.from === 'dot') return field(dot, arg.path);
      if (!scope.has(arg.from)) fail(`undefined variable "${arg.from}"`);
      return field(scope.get(arg.from), arg.path);
    }
    case 'pipe':
      return evalPipeline(arg.pipe, dot, scope);
    case 'function':
      return callFunction(arg.name, []);
  }
}

function callFunction(name: string, args: unknown[]): unknown {
  const fn = FUNCTIONS[name] ?? fail(`function "${name}" not defined`);
  return fn(...args);
}

function evalPipeline(pipe: Pipeline, dot: unknown, scope: Scope): unknown {
  let value: unknown;
  pipe.commands.forEach((command, i) => {
    const [head, ...rest] = command as [Arg, ...Arg[]];
    if (head.kind === 'function') {
      const args = rest.map((a) => evalArg(a, dot, scope));
      if (i > 0) args.push(value);
      value = callFunction(head.name, args);
    } else {
      if (rest.length) fail(`can't give argument to non-function`);
      value = evalArg(head, dot, scope);
    }
  });
  if (pipe.declare.length === 1) scope.set(pipe.declare[0] as string, value);
  return value;
}

function render(nodes: Node[], dot: unknown, scope: Scope): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') out += node.text;
    else if (node.kind === 'output') {
      const value = evalPipeline(node.pipe, dot, scope);
      if (node.pipe.declare.length === 0) out += goPrint(value);
    } else if (node.kind === 'if' || node.kind === 'with') {
      const inner = new Map(scope);
      const value = evalPipeline(node.pipe, dot, inner);
      if (truthy(value)) out += render(node.body, node.kind === 'with' ? value : dot, inner);
      else out += render(node.otherwise, dot, scope);
    } else {
      out += renderRange(node, dot, scope);
    }
  }
  return out;
}

function renderRange(node: Extract<Node, { body: Node[] }>, dot: unknown, scope: Scope): string {
  const value = evalPipeline({ declare: [], commands: node.pipe.commands }, dot, scope);
  const entries: [unknown, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : value && typeof value === 'object'
      ? Object.keys(value)
          .sort()
          .map((k) => [k, (value as Record<string, unknown>)[k]])
      : [];
  if (entries.length === 0) return render(node.otherwise, dot, scope);
  let out = '';
  for (const [key, item] of entries) {
    const inner = new Map(scope);
    const [first, second] = node.pipe.declare;
    if (second) {
      inner.set(first as string, key);
      inner.set(second, item);
    } else if (first) inner.set(first, item);
    out += render(node.body, item, inner);
  }
  return out;
}

export function compileTemplate(source: string): Template {
  const nodes = parse(source);
  return (data) => render(nodes, data, new Map([['$', data]]));
}
