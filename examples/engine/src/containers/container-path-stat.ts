import type { ServerResponse } from 'node:http';
import type { SafeStat } from '@berth/libcontainer';
import { notFound } from '../api/api-error.js';
import { type ArchivePath, followInRoot, isSymlink, lstatOrUndefined } from './container-path.js';
import type { TreeOps } from './tree-ops.js';

/** Docker's ContainerPathStat, sent base64 JSON in `X-Docker-Container-Path-Stat`. */
export interface ContainerPathStat {
  name: string;
  size: number;
  /** Go's os.FileMode: permission bits plus Go's own type and special bits (not the unix st_mode). */
  mode: number;
  mtime: string;
  linkTarget: string;
}

const S_IFMT = 0o170000;
// Go's os.FileMode bits (io/fs): the CLI tests them (IsDir, ModeSymlink), so they must be Go's.
const GO_MODE = {
  dir: 2 ** 31,
  symlink: 2 ** 27,
  device: 2 ** 26,
  namedPipe: 2 ** 25,
  socket: 2 ** 24,
  setuid: 2 ** 23,
  setgid: 2 ** 22,
  charDevice: 2 ** 21,
  sticky: 2 ** 20,
};
// A Map, not an object literal: Biome's useSimpleNumberKeys fix rewrites octal keys to wrong decimals.
const GO_TYPE = new Map<number, number>([
  [0o040000, GO_MODE.dir],
  [0o120000, GO_MODE.symlink],
  [0o060000, GO_MODE.device],
  [0o020000, GO_MODE.device + GO_MODE.charDevice],
  [0o010000, GO_MODE.namedPipe],
  [0o140000, GO_MODE.socket],
]);

/** A unix st_mode as Go's os.FileMode. */
export function goFileMode(mode: number): number {
  return (
    (mode & 0o777) +
    (GO_TYPE.get(mode & S_IFMT) ?? 0) +
    (mode & 0o4000 ? GO_MODE.setuid : 0) +
    (mode & 0o2000 ? GO_MODE.setgid : 0) +
    (mode & 0o1000 ? GO_MODE.sticky : 0)
  );
}

/**
 * moby's StatPath: lstat of the resolved path; for a symlink, `linkTarget` is where it leads in
 * the container (followed inside the root), so the CLI can follow it (`cp -L`). 404 when missing.
 */
export function statArchivePath(
  root: TreeOps,
  path: ArchivePath,
  containerName: string,
): { stat: SafeStat; pathStat: ContainerPathStat } {
  const stat = lstatOrUndefined(root, path.rel);
  if (!stat) throw notFound(`Could not find the file ${path.absolute} in container ${containerName}`);
  return {
    stat,
    pathStat: {
      name: path.name,
      size: stat.size,
      mode: goFileMode(stat.mode),
      mtime: new Date(Number(stat.mtimeNs / 1_000_000n)).toISOString(),
      linkTarget: isSymlink(stat) ? `/${followInRoot(root, path.absolute)}` : '',
    },
  };
}

export function setPathStatHeader(res: ServerResponse, stat: ContainerPathStat): void {
  res.setHeader('X-Docker-Container-Path-Stat', Buffer.from(JSON.stringify(stat)).toString('base64'));
}
