import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { lgetxattr, llistxattr, umount } from '@berth/libcontainer';
import tar from 'tar-stream';
import { mountsUnder } from '../src/drivers/mounts.js';
import { type TarEntry, tarBytes } from '../src/index.js';

/** A fresh temp directory named berth-test-*, for one test. */
export function scratchDir(base = tmpdir()): string {
  return mkdtempSync(join(base, 'berth-test-'));
}

// The package's own mountinfo parser (one implementation to trust and to fix).
export { mountsUnder };

/** Unmounts everything below `dir`, then deletes it. Never deletes through a mount. */
export function removeScratch(dir: string): void {
  for (let round = 0; round < 10; round++) {
    const mounts = mountsUnder(dir);
    if (mounts.length === 0) break;
    for (const m of mounts) {
      try {
        umount(m, { detach: true });
      } catch {
        // taken along by an outer one
      }
    }
  }
  if (mountsUnder(dir).length > 0) throw new Error(`could not unmount everything under ${dir}`);
  rmSync(dir, { recursive: true, force: true });
}

/** A tar built with tar-stream's packer (the hostile-layer tests use this: no checks). */
export async function packTar(
  entries: Array<{ header: tar.Headers & { pax?: Record<string, string> }; body?: string | Buffer }>,
): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    await new Promise<void>((resolve, reject) =>
      pack.entry({ mtime: new Date(1_700_000_000_000), ...e.header }, e.body ?? '', (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A tar from the package's own writer (PAX xattrs, ns times, big ids). */
export async function writeTar(entries: TarEntry[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of tarBytes(entries)) chunks.push(c);
  return Buffer.concat(chunks);
}

export const streamOf = (buf: Buffer) => Readable.from([buf]);

export interface Snapshot {
  [path: string]: {
    type: string;
    mode: number;
    uid: number;
    gid: number;
    mtimeNs?: string;
    content?: string;
    target?: string;
    rdev?: number;
    xattrs?: Record<string, string>;
  };
}

/** Everything a layer apply must reproduce, per path (directory mtimes optional). */
export function snapshot(
  dir: string,
  options: {
    mtimes?: 'all' | 'files' | 'none';
    xattrs?: boolean;
    skipXattr?: (name: string) => boolean;
  } = {},
): Snapshot {
  const out: Snapshot = {};
  const mt = options.mtimes ?? 'all';
  const walk = (p: string, rel: string) => {
    for (const name of readdirSync(p).sort()) {
      const hp = join(p, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(hp, { bigint: true });
      const type = st.isDirectory()
        ? 'dir'
        : st.isFile()
          ? 'file'
          : st.isSymbolicLink()
            ? 'symlink'
            : st.isCharacterDevice()
              ? 'char'
              : st.isBlockDevice()
                ? 'block'
                : st.isFIFO()
                  ? 'fifo'
                  : 'other';
      const e: Snapshot[string] = {
        type,
        mode: Number(st.mode) & 0o7777,
        uid: Number(st.uid),
        gid: Number(st.gid),
      };
      if (mt === 'all' || (mt === 'files' && type !== 'dir')) e.mtimeNs = st.mtimeNs.toString();
      if (type === 'file') e.content = createHash('sha256').update(readFileSync(hp)).digest('hex');
      if (type === 'symlink') e.target = readlinkSync(hp);
      if (type === 'char' || type === 'block') e.rdev = Number(st.rdev);
      if (options.xattrs !== false && type !== 'symlink') {
        const names = llistxattr(hp)
          .filter((n) => !(options.skipXattr?.(n) ?? false))
          .sort();
        if (names.length)
          e.xattrs = Object.fromEntries(names.map((n) => [n, lgetxattr(hp, n)!.toString('base64')]));
      }
      out[r] = e;
      if (type === 'dir') walk(hp, r);
    }
  };
  walk(dir, '');
  return out;
}
