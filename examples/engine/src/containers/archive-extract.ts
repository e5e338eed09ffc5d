import { closeSync, createReadStream, write } from 'node:fs';
import { open } from 'node:fs/promises';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import type { Headers } from 'tar-stream';
import tarStream from 'tar-stream';
import { badRequest } from '../api/api-error.js';
import { ArchiveRules, type CheckedEntry } from './archive-rules.js';
import { isDir, joinRel, lstatOrUndefined } from './container-path.js';
import type { UserIds } from './container-user-ids.js';
import { TarTrailer } from './tar-trailer.js';
import type { TreeOps } from './tree-ops.js';

const writeAt = promisify(write);

export interface ExtractOptions {
  /** The extraction directory, relative to the root (followed already, a directory). */
  directory: string;
  /** The same, as the container sees it (for messages). */
  shownDirectory: string;
  noOverwriteDirNonDir: boolean;
  /** Owner for every entry (`docker cp -a`); default: the owners in the archive. */
  owner?: UserIds;
  /**
   * Called for every entry, with its path relative to the root, while the archive is checked:
   * throws to refuse the archive before anything is written (a read-only mount on its way).
   */
  checkWrite?: (path: string, kind: CheckedEntry['kind'], linkPath?: string) => void;
}

/**
 * The spooled archive, gunzipped when it is gzip (Docker takes plain or gzip tars here), and
 * completed when it stops right after its last entry, as the docker CLI's `build -f-` sends it.
 */
async function openArchive(file: string): Promise<Readable> {
  const handle = await open(file, 'r');
  const magic = Buffer.alloc(2);
  try {
    await handle.read(magic, 0, 2, 0);
  } finally {
    await handle.close();
  }
  const gzip = magic[0] === 0x1f && magic[1] === 0x8b;
  const out = new PassThrough();
  const done = gzip
    ? pipeline(createReadStream(file), createGunzip(), new TarTrailer(), out)
    : pipeline(createReadStream(file), new TarTrailer(), out);
  done.catch((err) => out.destroy(err));
  return out;
}

/** Each entry of the archive in `file` with its data stream; entries not consumed are skipped. */
async function* entriesOf(file: string): AsyncGenerator<{ header: Headers; data: Readable }> {
  const extract = tarStream.extract();
  const feeding = pipeline(await openArchive(file), extract);
  feeding.catch(() => undefined); // the loop below sees the same error
  try {
    for await (const entry of extract) {
      yield { header: entry.header, data: entry };
      entry.resume();
    }
  } catch (err) {
    throw badRequest(`invalid tar archive: ${(err as Error).message}`);
  }
  await feeding;
}

/**
 * Extracts the tar in `file` into a directory of the container's root (`docker cp` into a
 * container). Two passes: the whole archive is checked first (ArchiveRules), so a hostile or
 * conflicting one is refused with nothing written; then entries are made through SafeRoot
 * (RESOLVE_IN_ROOT; a ContainerView picks the SafeRoot of the mount a path is in), which keeps
 * every write inside its root whatever the tree holds.
 */
export async function extractArchive(file: string, root: TreeOps, options: ExtractOptions): Promise<void> {
  const at = (path: string) => joinRel(options.directory, path);
  const rules = new ArchiveRules(
    options.shownDirectory,
    (path) => {
      const st = lstatOrUndefined(root, at(path));
      return st ? (isDir(st) ? 'directory' : 'other') : undefined;
    },
    options.noOverwriteDirNonDir,
  );
  for await (const { header } of entriesOf(file)) {
    const entry = rules.check(header);
    if (entry && entry.path !== '')
      options.checkWrite?.(
        at(entry.path),
        entry.kind,
        entry.linkPath === undefined ? undefined : at(entry.linkPath),
      );
  }

  const writer = new EntryWriter(root, options.owner);
  const replay = new ArchiveRules(options.shownDirectory, () => undefined, false);
  for await (const { header, data } of entriesOf(file)) {
    const entry = replay.check(header);
    if (!entry || entry.path === '') continue; // the extraction directory itself is left as it is
    const placed: CheckedEntry = { kind: entry.kind, path: at(entry.path) };
    if (entry.linkPath !== undefined) placed.linkPath = at(entry.linkPath);
    await writer.write(placed, header, data);
  }
  writer.finish();
}

/** Makes entries in the root, replacing non-directories in their place as tar does. */
class EntryWriter {
  /** Directory times are set last: making their children changes them. */
  readonly #directoryTimes: Array<{ path: string; mtime: Date }> = [];

  constructor(
    readonly root: TreeOps,
    readonly owner: UserIds | undefined,
  ) {}

  async write(entry: CheckedEntry, header: Headers, data: Readable): Promise<void> {
    const { root } = this;
    const { path } = entry;
    const slash = path.lastIndexOf('/');
    if (slash > 0) root.mkdirAll(path.slice(0, slash), 0o755);
    const there = lstatOrUndefined(root, path);
    if (there && !(isDir(there) && entry.kind === 'directory')) root.unlink(path);
    const mode = (header.mode ?? 0o644) & 0o7777;
    const mtime = header.mtime ?? new Date();
    switch (entry.kind) {
      case 'directory':
        if (!there || !isDir(there)) root.mkdir(path, 0o700);
        this.#directoryTimes.push({ path, mtime });
        break;
      case 'file':
        await this.#file(path, data);
        break;
      case 'symlink':
        root.symlink(header.linkname ?? '', path);
        break;
      case 'hardlink':
        root.link(entry.linkPath as string, path);
        return; // a hardlink shares the target's owner, mode and times
      case 'fifo':
        root.mkfifo(path, mode);
        break;
    }
    root.lchown(path, this.owner?.uid ?? header.uid ?? 0, this.owner?.gid ?? header.gid ?? 0);
    // chmod after chown: chown clears setuid/setgid bits. Linux symlinks have no mode.
    if (entry.kind !== 'symlink') root.chmod(path, mode);
    if (entry.kind !== 'directory') root.lutimes(path, mtime, mtime);
  }

  async #file(path: string, data: Readable): Promise<void> {
    const fd = this.root.openFile(path, 'wx', 0o600);
    try {
      for await (const chunk of data) {
        const buf = chunk as Buffer;
        for (let off = 0; off < buf.length; )
          off += (await writeAt(fd, buf, off, buf.length - off)).bytesWritten;
      }
    } finally {
      closeSync(fd);
    }
  }

  finish(): void {
    for (const { path, mtime } of this.#directoryTimes.reverse()) this.root.lutimes(path, mtime, mtime);
  }
}
