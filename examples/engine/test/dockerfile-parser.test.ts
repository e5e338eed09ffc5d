// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile text uses ${VAR} on purpose
import { describe, expect, it } from 'vitest';
import { ignoreMatcher, parseDockerignore } from '../src/build/docker-ignore.js';
import { parseDockerfile } from '../src/build/dockerfile-parser.js';
import { toInstruction } from '../src/build/instructions.js';
import { expandWord, expandWords } from '../src/build/variable-expansion.js';

describe('Dockerfile parsing', () => {
  it('joins continuations, drops comments, reads the escape and syntax directives', () => {
    const parsed = parseDockerfile(
      '# syntax=docker/dockerfile:1\n# escape=`\nFROM busybox\nRUN echo a `\n# a comment\n  b\n',
    );
    expect(parsed.escape).toBe('`');
    expect(parsed.syntax).toBe('docker/dockerfile:1');
    expect(parsed.lines.map((l) => [l.keyword, l.args, l.line])).toEqual([
      ['FROM', 'busybox', 3],
      ['RUN', 'echo a   b', 4],
    ]);
  });

  it('tells JSON from shell form, parses flags, and refuses unknown instructions and heredocs', () => {
    const [run, copy, check] = parseDockerfile(
      'RUN ["echo", "hi"]\nCOPY --from=build --chown=1:2 a b /d/\nHEALTHCHECK --interval=5s CMD true\n',
    ).lines.map(toInstruction);
    expect(run).toMatchObject({ kind: 'run', command: { exec: ['echo', 'hi'] } });
    expect(copy).toMatchObject({
      kind: 'copy',
      from: 'build',
      chown: '1:2',
      sources: ['a', 'b'],
      dest: '/d/',
    });
    expect(check).toMatchObject({
      kind: 'healthcheck',
      check: { Test: ['CMD-SHELL', 'true'], Interval: 5e9 },
    });
    expect(() => parseDockerfile('FROM busybox\nFROBNICATE\n').lines.map(toInstruction)).toThrow(
      'Dockerfile parse error line 2: unknown instruction: FROBNICATE',
    );
    expect(() => parseDockerfile('RUN <<EOF\necho\nEOF\n')).toThrow(/heredocs/);
  });
});

describe('variable substitution', () => {
  const vars = new Map([
    ['A', 'one'],
    ['EMPTY', ''],
  ]);
  it('expands $VAR, ${VAR}, defaults and alternatives, honouring quotes and escapes', () => {
    expect(expandWord('$A-${A}', vars)).toBe('one-one');
    expect(expandWord('${MISSING:-dflt} ${EMPTY:-e} ${EMPTY-e}', vars)).toBe('dflt e ');
    expect(expandWord('${A:+alt}${MISSING:+alt}', vars)).toBe('alt');
    expect(expandWord(`'$A' "$A" \\$A`, vars)).toBe('$A one $A');
    expect(expandWords('"a b" $A c', vars)).toEqual(['a b', 'one', 'c']);
  });
});

describe('.dockerignore matching', () => {
  it('matches from the context root, with ! exceptions', () => {
    const m = ignoreMatcher(parseDockerignore('# c\n*.log\n!keep.log\nnode_modules\n'));
    expect(m.ignores('a.log')).toBe(true);
    expect(m.ignores('keep.log')).toBe(false);
    expect(m.ignores('sub/a.log')).toBe(false);
    expect(m.ignores('node_modules/x/y')).toBe(true);
  });
});
