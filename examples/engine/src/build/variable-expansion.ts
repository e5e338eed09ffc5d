import { badRequest } from '../api/api-error.js';

/** Variables in scope for substitution: name → value. */
export type Variables = ReadonlyMap<string, string>;

const NAME_CHAR = /[A-Za-z0-9_]/;

/** The variables of an `Env` list (`K=V`), later entries winning. */
export function variablesOf(env: readonly string[], extra: Iterable<[string, string]> = []): Map<string, string> {
  const out = new Map<string, string>(extra);
  for (const entry of env) {
    const eq = entry.indexOf('=');
    if (eq > 0) out.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return out;
}

/**
 * Docker's Dockerfile word processing (the shell-like lexer of the builder): quotes are removed
 * (single quotes keep everything literal, double quotes allow substitution), the escape character
 * takes the next character literally, and `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:+alt}`, `${VAR+alt}`, `${VAR:?message}` are substituted. With `split`, unquoted blanks
 * separate words; otherwise the whole text is one word.
 */
class Lexer {
  #i = 0;

  constructor(
    readonly text: string,
    readonly vars: Variables,
    readonly escape: string,
  ) {}

  #peek(): string | undefined {
    return this.text[this.#i];
  }

  #next(): string | undefined {
    return this.text[this.#i++];
  }

  words(split: boolean): string[] {
    const out: string[] = [];
    let word = '';
    let inWord = false;
    while (this.#i < this.text.length) {
      const c = this.#peek() as string;
      if (split && /\s/.test(c)) {
        this.#i++;
        if (inWord) out.push(word);
        word = '';
        inWord = false;
        continue;
      }
      inWord = true;
      if (c === "'") {
        this.#i++;
        word += this.#singleQuoted();
      } else if (c === '"') {
        this.#i++;
        word += this.#doubleQuoted();
      } else if (c === '$') {
        this.#i++;
        word += this.#variable();
      } else if (c === this.escape) {
        this.#i++;
        const n = this.#next();
        word += n ?? '';
      } else {
        this.#i++;
        word += c;
      }
    }
    if (inWord || !split) out.push(word);
    return out;
  }

  #singleQuoted(): string {
    let out = '';
    for (;;) {
      const c = this.#next();
      if (c === undefined) throw badRequest(`unexpected end of statement while looking for matching single-quote`);
      if (c === "'") return out;
      out += c;
    }
  }

  #doubleQuoted(): string {
    let out = '';
    for (;;) {
      const c = this.#next();
      if (c === undefined) throw badRequest(`unexpected end of statement while looking for matching double-quote`);
      if (c === '"') return out;
      if (c === '$') out += this.#variable();
      else if (c === this.escape) {
        const n = this.#peek();
        if (n === '"' || n === '$' || n === this.escape) {
          this.#i++;
          out += n;
        } else out += c;
      } else out += c;
    }
  }

  /** After a `$`: a name, `{…}`, or a literal `$`. */
  #variable(): string {
    const c = this.#peek();
    if (c === '{') {
      this.#i++;
      return this.#braced();
    }
    let name = '';
    while (this.#peek() !== undefined && NAME_CHAR.test(this.#peek() as string)) name += this.#next();
    if (name === '') return '$';
    return this.vars.get(name) ?? '';
  }

  #braced(): string {
    let name = '';
    while (this.#peek() !== undefined && NAME_CHAR.test(this.#peek() as string)) name += this.#next();
    if (name === '') throw badRequest(`bad substitution in ${JSON.stringify(this.text)}: missing variable name`);
    const c = this.#next();
    if (c === '}') return this.vars.get(name) ?? '';
    let modifier = c;
    if (c === ':') modifier = `:${this.#next() ?? ''}`;
    if (!modifier || !/^:?[-+?]$/.test(modifier))
      throw badRequest(`unsupported modifier (${modifier ?? ''}) in substitution: ${JSON.stringify(this.text)}`);
    const word = this.#wordUntilBrace();
    const value = this.vars.get(name);
    const set = value !== undefined;
    const nonEmpty = set && value !== '';
    switch (modifier) {
      case ':-':
        return nonEmpty ? (value as string) : word;
      case '-':
        return set ? (value as string) : word;
      case ':+':
        return nonEmpty ? word : '';
      case '+':
        return set ? word : '';
      default: // ':?' and '?'
        if (modifier === ':?' ? nonEmpty : set) return value as string;
        throw badRequest(`${name}: ${word || 'is not allowed to be unset'}`);
    }
  }

  /** The word of a `${name:-word}`, itself processed (quotes, nested variables), up to its `}`. */
  #wordUntilBrace(): string {
    let out = '';
    for (;;) {
      const c = this.#next();
      if (c === undefined) throw badRequest(`missing '}' in ${JSON.stringify(this.text)}`);
      if (c === '}') return out;
      if (c === '$') out += this.#variable();
      else if (c === "'") out += this.#singleQuoted();
      else if (c === '"') out += this.#doubleQuoted();
      else if (c === this.escape) out += this.#next() ?? '';
      else out += c;
    }
  }
}

/** One word with quotes removed and variables substituted (WORKDIR, USER, `ENV` values, …). */
export function expandWord(text: string, vars: Variables, escape = '\\'): string {
  return new Lexer(text, vars, escape).words(false)[0] ?? '';
}

/** Words split on unquoted blanks, each processed as `expandWord` does (EXPOSE, ARG lists, …). */
export function expandWords(text: string, vars: Variables, escape = '\\'): string[] {
  return new Lexer(text, vars, escape).words(true);
}

/**
 * Splits on unquoted blanks keeping quotes and escapes as written (the parser's step before each
 * word is processed): `a="b c" d` → [`a="b c"`, `d`].
 */
export function splitKeepingQuotes(text: string, escape = '\\'): string[] {
  const out: string[] = [];
  let word = '';
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === escape && quote !== "'" && i + 1 < text.length) {
      word += c + text[++i];
    } else if (quote) {
      if (c === quote) quote = '';
      word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word += c;
    } else if (/\s/.test(c)) {
      if (word) out.push(word);
      word = '';
    } else word += c;
  }
  if (quote) throw badRequest(`unterminated quote in ${JSON.stringify(text)}`);
  if (word) out.push(word);
  return out;
}
