import type { BigIntStats } from 'node:fs';
import { join } from 'node:path';
import type { TarEntry } from '../tar/writer.js';
import { type Change, type EntryFactory, lstatBig, sameMeta, sortedNames, whiteoutEntry } from './entries.js';

/** One step of a diff walk, in tar order. */
export type DiffItem =
  | { kind: 'added' | 'modified'; rel: string; hostPath: string; stat: BigIntStats }
  | { kind: 'deleted'; rel: string }
  | { kind: 'opaque'; rel: string };

/**
 * Compares two full trees (a layer and its parent, vfs style): what is new or different
 * in `layer`, and what is gone (reported once, at the top of a deleted subtree).
 */
export function* compareTrees(layer: string, parent: string | undefined, rel = ''): Generator<DiffItem> {
  const lDir = rel === '' ? layer : join(layer, rel);
  const pDir = parent === undefined ? undefined : rel === '' ? parent : join(parent, rel);
  const names = new Set(sortedNames(lDir));
  const pNames = pDir ? safeNames(pDir) : [];
  for (const n of pNames) names.add(n);
  for (const name of [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))) {
    const r = rel === '' ? name : `${rel}/${name}`;
    const lp = join(lDir, name);
    const ls = lstatBig(lp);
    const pp = pDir ? join(pDir, name) : undefined;
    const ps = pp ? lstatBig(pp) : undefined;
    if (!ls) {
      if (ps) yield { kind: 'deleted', rel: r };
      continue;
    }
    if (!ps) {
      yield { kind: 'added', rel: r, hostPath: lp, stat: ls };
      if (ls.isDirectory()) yield* compareTrees(layer, undefined, r);
      continue;
    }
    const typeChanged = (ls.mode & 0o170000n) !== (ps.mode & 0o170000n);
    if (typeChanged || !sameMeta(ls, ps, lp, pp!)) yield { kind: 'modified', rel: r, hostPath: lp, stat: ls };
    if (ls.isDirectory()) yield* compareTrees(layer, ps.isDirectory() ? parent : undefined, r);
  }
}

function safeNames(dir: string): string[] {
  const st = lstatBig(dir);
  return st?.isDirectory() ? sortedNames(dir) : [];
}

/** Tar entries of a diff walk. */
export function* diffEntries(items: Iterable<DiffItem>, factory: EntryFactory): Generator<TarEntry> {
  for (const it of items) {
    if (it.kind === 'deleted') yield whiteoutEntry(it.rel);
    else if (it.kind === 'opaque')
      yield {
        name: `${it.rel}/.wh..wh..opq`,
        type: 'file',
        mode: 0o644,
        uid: 0,
        gid: 0,
        size: 0,
        mtimeNs: 0n,
      };
    else yield factory.entry(it.hostPath, it.rel, it.stat);
  }
}

/** Changes (docker diff) of a diff walk; an opaque marker's hidden entries come from `hidden`. */
export function* diffChanges(items: Iterable<DiffItem>): Generator<Change> {
  for (const it of items) {
    if (it.kind === 'opaque') continue;
    yield { path: `/${it.rel}`, kind: it.kind };
  }
}

export function diffBytes(items: Iterable<DiffItem>): number {
  let n = 0;
  for (const it of items)
    if (it.kind !== 'deleted' && it.kind !== 'opaque' && it.stat.isFile()) n += Number(it.stat.size);
  return n;
}
