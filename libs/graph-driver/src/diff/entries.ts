import { type BigIntStats, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { lgetxattr, llistxattr } from '@berth/libcontainer';
import { type IdMappings, toContainerId } from '../apply/id-map.js';
import type { TarEntry } from '../tar/writer.js';

/** One change of a layer against its parent, as `docker diff` shows it. */
export interface Change {
  /** Absolute path inside the image (`/etc/passwd`). */
  path: string;
  kind: 'added' | 'modified' | 'deleted';
}

export const lstatBig = (p: string): BigIntStats | undefined => {
  try {
    return lstatSync(p, { bigint: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
};

/** Directory names, sorted by bytes (the order diffs are written in). */
export const sortedNames = (dir: string): string[] => readdirSync(dir).sort(byBytes);

export const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** Xattrs of an entry except overlay's own (trusted.overlay.*). */
export function entryXattrs(hostPath: string): Map<string, Buffer> | undefined {
  let names: string[];
  try {
    names = llistxattr(hostPath);
  } catch {
    return undefined;
  }
  let out: Map<string, Buffer> | undefined;
  for (const name of names.sort()) {
    if (name.startsWith('trusted.overlay.')) continue;
    const v = lgetxattr(hostPath, name);
    if (v === null) continue;
    out ??= new Map();
    out.set(name, v);
  }
  return out;
}

/**
 * Builds tar entries from files; files with more than one link become hardlinks to the
 * first path written (inside the same diff).
 */
export class EntryFactory {
  readonly #links = new Map<string, string>();
  readonly #ids: IdMappings | undefined;

  constructor(ids?: IdMappings) {
    this.#ids = ids;
  }

  entry(hostPath: string, rel: string, st: BigIntStats): TarEntry {
    const base = {
      name: rel,
      mode: Number(st.mode) & 0o7777,
      uid: toContainerId(Number(st.uid), this.#ids?.uidMappings),
      gid: toContainerId(Number(st.gid), this.#ids?.gidMappings),
      size: 0,
      mtimeNs: st.mtimeNs,
      xattrs: st.isSymbolicLink() ? undefined : entryXattrs(hostPath),
    };
    if (st.isDirectory()) return { ...base, type: 'directory' };
    if (st.isSymbolicLink()) return { ...base, type: 'symlink', linkname: readlinkSync(hostPath) };
    if (st.nlink > 1n && !st.isDirectory()) {
      const key = `${st.dev}:${st.ino}`;
      const first = this.#links.get(key);
      if (first !== undefined) return { ...base, type: 'link', linkname: first };
      this.#links.set(key, rel);
    }
    if (st.isFile()) return { ...base, type: 'file', size: Number(st.size), source: hostPath };
    const rdev = st.rdev;
    const devmajor = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
    const devminor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
    if (st.isCharacterDevice()) return { ...base, type: 'char', devmajor, devminor };
    if (st.isBlockDevice()) return { ...base, type: 'block', devmajor, devminor };
    if (st.isFIFO()) return { ...base, type: 'fifo' };
    throw new Error(`cannot put ${hostPath} in a tar (socket?)`);
  }
}

/** A whiteout entry `.wh.<name>` for a deleted path. */
export function whiteoutEntry(rel: string, mtimeNs = 0n): TarEntry {
  const i = rel.lastIndexOf('/');
  const name = i < 0 ? `.wh.${rel}` : `${rel.slice(0, i)}/.wh.${rel.slice(i + 1)}`;
  return { name, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtimeNs };
}

/** The opaque marker of a directory. */
export function opaqueEntry(dirRel: string): TarEntry {
  return { name: `${dirRel}/.wh..wh..opq`, type: 'file', mode: 0o644, uid: 0, gid: 0, size: 0, mtimeNs: 0n };
}

/** Same content as far as metadata tells (docker's rule: mode, owner, size, mtime, rdev, link target). */
export function sameMeta(a: BigIntStats, b: BigIntStats, pa: string, pb: string): boolean {
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.rdev !== b.rdev) return false;
  if (!a.isDirectory() && (a.size !== b.size || a.mtimeNs !== b.mtimeNs)) return false;
  if (a.isDirectory() && a.mtimeNs !== b.mtimeNs) return false;
  if (a.isSymbolicLink() && readlinkSync(pa) !== readlinkSync(pb)) return false;
  return true;
}

export const joinHost = join;
