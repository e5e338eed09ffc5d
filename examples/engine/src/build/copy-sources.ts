import { readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { SafeRoot, SafeStat } from '@berth/libcontainer';
import { badRequest } from '../api/api-error.js';
import { followInRoot, isDir, lstatOrUndefined } from '../containers/container-path.js';

/** One source of a COPY/ADD: where it is in its root (followed), the name it is copied under. */
export interface CopySource {
  /** Relative to the source root, every symlink followed inside it ('' is the root). */
  rel: string;
  /** Its own name (the last element as written or matched), '' for the root. */
  name: string;
  stat: SafeStat;
}

const WILDCARD = /[*?[]/;

/** Go's filepath.Match for one path element, as a RegExp (`*`, `?`, `[a-z]`, `[^…]`, `\` escapes). */
export function elementPattern(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) throw badRequest(`syntax error in pattern: ${glob}`);
      let body = glob.slice(i + 1, close);
      if (body.startsWith('^') || body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else if (c === '\\' && i + 1 < glob.length) re += `\\${glob[++i]}`;
    else re += c.replace(/[.+^${}()|\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** A source path as written, made relative to its root; climbing out is refused as Docker does. */
function cleanSource(path: string): string {
  const normalized = posix.normalize(`/${path}`);
  return normalized === '/' ? '' : normalized.slice(1);
}

/** Names in a directory of the source root (host path; the build's own temp dir or a read-only layer). */
function childrenOf(hostRoot: string, root: SafeRoot, rel: string): string[] {
  const dir = followInRoot(root, `/${rel}`);
  const st = lstatOrUndefined(root, dir);
  if (!st || !isDir(st)) return [];
  return readdirSync(join(hostRoot, dir)).sort();
}

/** The paths a wildcard pattern matches, element by element. */
function expandPattern(hostRoot: string, root: SafeRoot, pattern: string): string[] {
  let matches = [''];
  for (const element of pattern.split('/')) {
    if (!WILDCARD.test(element)) {
      matches = matches.map((m) => (m === '' ? element : `${m}/${element}`));
      continue;
    }
    const re = elementPattern(element);
    matches = matches.flatMap((m) =>
      childrenOf(hostRoot, root, m)
        .filter((name) => re.test(name))
        .map((name) => (m === '' ? name : `${m}/${name}`)),
    );
  }
  return matches.filter((m) => lstatOrUndefined(root, followInRoot(root, `/${m}`)) !== undefined);
}

/**
 * The sources of a COPY/ADD in a root (the context, or a stage's filesystem), wildcards expanded.
 * Symlinks in a source path are followed inside the root, so a link pointing outside it (`/etc`,
 * `../../x`) names a path inside it, as Docker scopes them.
 */
export function resolveSources(
  hostRoot: string,
  root: SafeRoot,
  patterns: string[],
  where: 'context' | 'stage',
): CopySource[] {
  const out: CopySource[] = [];
  for (const pattern of patterns) {
    const clean = cleanSource(pattern);
    const paths = WILDCARD.test(clean) ? expandPattern(hostRoot, root, clean) : [clean];
    if (paths.length === 0 && WILDCARD.test(clean)) continue;
    for (const path of paths) {
      const rel = followInRoot(root, `/${path}`);
      const stat = lstatOrUndefined(root, rel);
      if (!stat)
        throw badRequest(
          where === 'context'
            ? `COPY failed: file not found in build context or excluded by .dockerignore: stat ${path}: file does not exist`
            : `COPY failed: stat ${path}: file does not exist`,
        );
      out.push({ rel, name: path === '' ? '' : posix.basename(path), stat });
    }
  }
  if (out.length === 0) throw badRequest('COPY failed: no source files were specified');
  return out;
}
