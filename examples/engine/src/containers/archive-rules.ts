import { badRequest } from '../api/api-error.js';

/** What an entry of an uploaded tar makes, in the terms its checks need. */
export type EntryKind = 'directory' | 'file' | 'symlink' | 'hardlink' | 'fifo';

/** tar-stream's entry types → kinds; a type not here is refused. */
const KINDS: Record<string, EntryKind> = {
  file: 'file',
  'contiguous-file': 'file',
  directory: 'directory',
  symlink: 'symlink',
  link: 'hardlink',
  fifo: 'fifo',
};

/**
 * Device nodes are refused: made by the daemon (root), one would hand the container a host device
 * (a disk, /dev/mem) that its own capabilities could never have created.
 */
const DEVICE_TYPES = new Set(['character-device', 'block-device']);

/** A checked entry: where it goes, relative to the extraction directory ('' is that directory). */
export interface CheckedEntry {
  path: string;
  kind: EntryKind;
  /** Hardlinks: the entry linked to, relative to the extraction directory. */
  linkPath?: string;
}

/** What is at a path in the container before the archive is applied. */
export type ExistingKind = 'directory' | 'other' | undefined;

/**
 * A tar entry name as a clean path relative to the extraction directory. Leading `/` and `./` are
 * dropped (tar does); `a/../b` is `b`; a name that climbs above the directory is refused.
 */
export function cleanEntryName(name: string, destination: string, what = 'archive entry'): string {
  if (name.includes('\0')) throw badRequest(`${what} name ${JSON.stringify(name)} contains a NUL byte`);
  const parts: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') parts.push(part);
    else if (parts.pop() === undefined)
      throw badRequest(`${what} ${JSON.stringify(name)} would be extracted outside ${destination}`);
  }
  return parts.join('/');
}

const ancestorsOf = (path: string): string[] => {
  const parts = path.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
};

/**
 * The checks an uploaded archive passes, entry by entry and in order, before anything of it is
 * written: docker cp's extraction rules (moby pkg/archive) plus refusing what only a hostile archive
 * does. Refused, with a 400 naming the entry:
 * - names that climb out of the extraction directory (`../x`);
 * - relative symlink targets that do (moby's breakout check; absolute ones mean the container's
 *   own paths and are fine);
 * - entries written through a symlink the archive itself made (`x -> /etc`, then `x/passwd`);
 * - entries below a non-directory, hardlinks to directories or through the archive's symlinks;
 * - device nodes;
 * - a non-directory over a directory, and (with noOverwriteDirNonDir, as the CLI sends) a
 *   directory over a non-directory.
 * Whatever passes is still written through SafeRoot, so even a container that changes its tree
 * meanwhile can't make the extraction leave its root: these checks give a clear error up front.
 */
export class ArchiveRules {
  readonly #symlinks = new Set<string>();
  readonly #nonDirectories = new Set<string>();
  readonly #directories = new Set<string>();

  constructor(
    /** The extraction directory as the container sees it, for messages. */
    readonly destination: string,
    /** What the container has at a path (relative to the extraction directory). */
    readonly existing: (path: string) => ExistingKind,
    readonly noOverwriteDirNonDir: boolean,
  ) {}

  /** Checks the next entry; undefined for entries that write nothing (PAX global headers). */
  check(header: { name: string; type?: string | null; linkname?: string | null }): CheckedEntry | undefined {
    const type = header.type ?? 'file';
    if (type === 'pax-global-header') return undefined;
    if (DEVICE_TYPES.has(type))
      throw badRequest(
        `archive entry ${JSON.stringify(header.name)} is a device node: device nodes are not copied into containers`,
      );
    const kind = KINDS[type];
    if (!kind)
      throw badRequest(`archive entry ${JSON.stringify(header.name)} has an unsupported type (${type})`);
    const path = cleanEntryName(header.name, this.destination);
    const shown = JSON.stringify(header.name);
    this.#checkAncestors(path, shown);
    if (path === '') {
      if (kind !== 'directory')
        throw badRequest(`archive entry ${shown} would replace the extraction directory ${this.destination}`);
      return { path, kind };
    }
    this.#checkReplace(path, kind, shown);
    let linkPath: string | undefined;
    if (kind === 'symlink') this.#checkSymlinkTarget(path, header.linkname ?? '', shown);
    if (kind === 'hardlink') linkPath = this.#checkHardlinkTarget(header.linkname ?? '', shown);
    this.#record(path, kind);
    return linkPath === undefined ? { path, kind } : { path, kind, linkPath };
  }

  #checkAncestors(path: string, shown: string): void {
    for (const ancestor of ancestorsOf(path)) {
      if (this.#symlinks.has(ancestor))
        throw badRequest(
          `archive entry ${shown} would be written through the symlink ${JSON.stringify(ancestor)} that the archive itself creates`,
        );
      if (this.#nonDirectories.has(ancestor))
        throw badRequest(
          `archive entry ${shown} is below ${JSON.stringify(ancestor)}, which is not a directory`,
        );
    }
  }

  #kindAt(path: string): ExistingKind {
    if (this.#directories.has(path)) return 'directory';
    if (this.#nonDirectories.has(path) || this.#symlinks.has(path)) return 'other';
    return this.existing(path);
  }

  #checkReplace(path: string, kind: EntryKind, shown: string): void {
    const there = this.#kindAt(path);
    const where = `${this.destination.replace(/\/$/, '')}/${path}`;
    if (there === 'directory' && kind !== 'directory')
      throw badRequest(`cannot overwrite directory ${JSON.stringify(where)} with non-directory ${shown}`);
    if (there === 'other' && kind === 'directory' && this.noOverwriteDirNonDir)
      throw badRequest(`cannot overwrite non-directory ${JSON.stringify(where)} with directory ${shown}`);
  }

  #checkSymlinkTarget(path: string, target: string, shown: string): void {
    if (target === '' || target.includes('\0'))
      throw badRequest(`symlink ${shown} has an empty or invalid target`);
    if (target.startsWith('/')) return;
    const parts = path.split('/').slice(0, -1);
    for (const part of target.split('/')) {
      if (part === '' || part === '.') continue;
      if (part !== '..') parts.push(part);
      else if (parts.pop() === undefined)
        throw badRequest(`symlink ${shown} -> ${JSON.stringify(target)} points outside ${this.destination}`);
    }
  }

  #checkHardlinkTarget(linkname: string, shown: string): string {
    const target = cleanEntryName(linkname, this.destination, `hardlink ${shown} target`);
    this.#checkAncestors(target, shown);
    if (target === '' || this.#kindAt(target) === 'directory')
      throw badRequest(`hardlink ${shown} points to a directory (${JSON.stringify(linkname)})`);
    return target;
  }

  #record(path: string, kind: EntryKind): void {
    this.#symlinks.delete(path);
    this.#nonDirectories.delete(path);
    this.#directories.delete(path);
    if (kind === 'directory') this.#directories.add(path);
    else if (kind === 'symlink') this.#symlinks.add(path);
    else this.#nonDirectories.add(path);
  }
}
