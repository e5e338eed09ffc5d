import { lstatSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Ignore } from '@balena/dockerignore';
import * as dockerignoreModule from '@balena/dockerignore';

/** A `.dockerignore` matcher: Docker's pattern rules (Go filepath.Match, `**`, `!` exceptions). */
export interface IgnoreMatcher {
  ignores(path: string): boolean;
}

// A CommonJS module: its `module.exports` is the factory, which ESM sees as the default export.
type Factory = (options?: { ignorecase?: boolean }) => Ignore;
const loaded = dockerignoreModule as unknown as { default: Factory | { default: Factory } };
const create: Factory = typeof loaded.default === 'function' ? loaded.default : loaded.default.default;

/** The patterns of a `.dockerignore` file: comments and blank lines dropped, as the CLI reads them. */
export function parseDockerignore(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

export function ignoreMatcher(patterns: string[]): IgnoreMatcher {
  const matcher = create({ ignorecase: false }).add(patterns);
  return { ignores: (path) => path !== '' && matcher.ignores(path) };
}

/**
 * Removes what the patterns exclude from an extracted build context (`dir`, the daemon's own temp
 * directory). A directory that is excluded is still walked, so that `!` exceptions below it stay;
 * it goes when nothing in it is left.
 */
export function applyDockerignore(dir: string, matcher: IgnoreMatcher, rel = ''): void {
  for (const name of readdirSync(join(dir, rel))) {
    const path = rel === '' ? name : `${rel}/${name}`;
    const host = join(dir, path);
    const ignored = matcher.ignores(path);
    if (lstatSync(host).isDirectory()) {
      applyDockerignore(dir, matcher, path);
      if (ignored && readdirSync(host).length === 0) rmdirSync(host);
    } else if (ignored) unlinkSync(host);
  }
}
