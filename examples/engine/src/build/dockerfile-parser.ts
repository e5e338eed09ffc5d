import { badRequest } from '../api/api-error.js';

/** One instruction of a Dockerfile as written: keyword, flags and the rest of its (joined) lines. */
export interface DockerfileLine {
  /** Upper case: `RUN`, `COPY`, … */
  keyword: string;
  /** `--name=value` flags in front of the arguments (FROM, COPY, ADD, RUN, HEALTHCHECK). */
  flags: Array<{ name: string; value: string | undefined }>;
  /** The arguments, continuation lines joined, flags removed. */
  args: string;
  /** The instruction as the build output shows it (`RUN echo hi`). */
  original: string;
  /** 1-based line of the keyword. */
  line: number;
}

export interface ParsedDockerfile {
  /** The escape character (`# escape=` directive): `\` or a backtick. */
  escape: string;
  /** The `# syntax=` directive, if any (the classic builder ignores it, as dockerd does). */
  syntax?: string;
  lines: DockerfileLine[];
}

/** Instructions that take `--flag` options before their arguments. */
const FLAGGED = new Set(['FROM', 'COPY', 'ADD', 'RUN', 'HEALTHCHECK']);

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;

export function parseError(line: number, message: string): Error {
  return badRequest(`Dockerfile parse error line ${line}: ${message}`);
}

/** Reads the parser directives at the top of the file (they stop at the first other line). */
function directivesOf(lines: string[]): { escape: string; syntax?: string; end: number } {
  let escape = '\\';
  let syntax: string | undefined;
  const seen = new Set<string>();
  let i = 0;
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec((lines[i] as string).trim());
    if (!m) break;
    const name = (m[1] as string).toLowerCase();
    const value = m[2] as string;
    if (name !== 'escape' && name !== 'syntax' && name !== 'check') break;
    if (seen.has(name)) throw parseError(i + 1, `only one ${name} parser directive can be used`);
    seen.add(name);
    if (name === 'escape') {
      if (value !== '\\' && value !== '`') throw parseError(i + 1, `invalid escape token '${value}' does not match ` + '` or \\');
      escape = value;
    } else if (name === 'syntax') syntax = value;
  }
  return { escape, ...(syntax ? { syntax } : {}), end: i };
}

/** Splits leading `--name=value` flags off the arguments. */
function splitFlags(rest: string, line: number): { flags: DockerfileLine['flags']; args: string } {
  const flags: DockerfileLine['flags'] = [];
  let text = rest;
  for (;;) {
    const m = /^--([a-zA-Z][a-zA-Z0-9-]*)(=(\S*))?(\s+|$)/.exec(text);
    if (!m) break;
    if (m[1] === '') throw parseError(line, 'empty flag name');
    flags.push({ name: (m[1] as string).toLowerCase(), value: m[2] === undefined ? undefined : (m[3] as string) });
    text = text.slice(m[0].length);
  }
  return { flags, args: text };
}

/** Whether the logical line continues: it ends with the escape character (trailing blanks allowed). */
function continues(text: string, escape: string): string | undefined {
  const trimmed = text.replace(/[ \t]+$/, '');
  if (!trimmed.endsWith(escape)) return undefined;
  // An escaped escape character (`\\`) at the end does not continue the line.
  let n = 0;
  for (let i = trimmed.length - 1; i >= 0 && trimmed[i] === escape; i--) n++;
  if (n % 2 === 0) return undefined;
  return trimmed.slice(0, -1);
}

/**
 * Parses a Dockerfile as the classic builder does: parser directives, comments (a line whose first
 * non-blank character is `#`, also inside continued instructions), line continuations with the
 * escape character, one instruction per logical line, case-insensitive keywords. Heredocs
 * (`RUN <<EOF`) are a BuildKit feature and are refused.
 */
export function parseDockerfile(text: string): ParsedDockerfile {
  const source = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const { escape, syntax, end } = directivesOf(source);
  const lines: DockerfileLine[] = [];
  for (let i = end; i < source.length; i++) {
    const first = (source[i] as string).trim();
    if (first === '' || first.startsWith('#')) continue;
    const start = i + 1;
    const parts: string[] = [];
    let current = (source[i] as string).replace(/^\s+/, '');
    for (;;) {
      const cont = continues(current, escape);
      if (cont === undefined) {
        parts.push(current);
        break;
      }
      parts.push(cont);
      // Following lines: comments and empty lines are skipped inside a continued instruction.
      let next: string | undefined;
      while (++i < source.length) {
        const candidate = source[i] as string;
        const trimmed = candidate.trim();
        if (trimmed === '' || trimmed.startsWith('#')) continue;
        next = candidate;
        break;
      }
      if (next === undefined) break;
      current = next;
    }
    const joined = parts.join('').trim();
    const space = joined.search(/\s/);
    const keyword = (space < 0 ? joined : joined.slice(0, space)).toUpperCase();
    const rest = space < 0 ? '' : joined.slice(space).trim();
    if (!/^[A-Z]+$/.test(keyword)) throw parseError(start, `unknown instruction: ${keyword}`);
    const { flags, args } = FLAGGED.has(keyword) ? splitFlags(rest, start) : { flags: [], args: rest };
    if ((keyword === 'RUN' || keyword === 'COPY' || keyword === 'ADD') && /(^|\s)<<-?["']?[A-Za-z_]/.test(args))
      throw parseError(start, `heredocs (${keyword} <<…) need BuildKit: the classic builder does not support them`);
    lines.push({ keyword, flags, args, original: `${keyword}${joined.slice(keyword.length)}`, line: start });
  }
  return { escape, ...(syntax ? { syntax } : {}), lines };
}

/**
 * The JSON (exec) form of an instruction's arguments: a JSON array of strings, or undefined when
 * the text is not one (then it is the shell form, as Docker decides).
 */
export function jsonForm(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  try {
    const parsed: unknown = JSON.parse(args);
    if (Array.isArray(parsed) && parsed.every((v) => typeof v === 'string')) return parsed;
  } catch {
    // not JSON: the shell form
  }
  return undefined;
}
