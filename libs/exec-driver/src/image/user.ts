import { closeSync, fstatSync, readSync } from 'node:fs';
import { SafeRoot } from '@berth/libcontainer';
import { ExecDriverError } from '../errors.js';

/** A user as the container's process runs: what Docker's `--user` resolves to. */
export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  /** The passwd entry's name, when there is one. */
  username?: string;
  /** The passwd entry's home directory, `/` without one. */
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const MAX_ID = 2 ** 31 - 1;
const numeric = (s: string) => (/^\d+$/.test(s) ? Number(s) : undefined);

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    const uid = numeric(f[2] ?? '');
    const gid = numeric(f[3] ?? '');
    if (!f[0] || uid === undefined || gid === undefined) continue;
    out.push({ name: f[0], uid, gid, home: f[5] || '/' });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    const gid = numeric(f[2] ?? '');
    if (!f[0] || gid === undefined) continue;
    out.push({ name: f[0], gid, members: (f[3] ?? '').split(',').filter(Boolean) });
  }
  return out;
}

/** Reads a file inside a rootfs without following symlinks out of it; '' when absent. */
export function readInRoot(rootfs: string, path: string): string {
  let root: SafeRoot;
  try {
    root = SafeRoot.open(rootfs);
  } catch (err) {
    throw new ExecDriverError('ERR_INVALID_ARGUMENT', `cannot open rootfs ${rootfs}`, { cause: err });
  }
  try {
    let fd: number;
    try {
      fd = root.openFile(path, 'r');
    } catch {
      return '';
    }
    try {
      const size = Math.min(fstatSync(fd).size, 16 * 1024 * 1024);
      const buf = Buffer.alloc(size);
      let off = 0;
      while (off < size) {
        const n = readSync(fd, buf, off, size - off, off);
        if (n === 0) break;
        off += n;
      }
      return buf.subarray(0, off).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } finally {
    root.close();
  }
}

const notFound = (message: string) => new ExecDriverError('ERR_USER_NOT_FOUND', message, { field: 'User' });

/**
 * Resolves Docker's `User` (`name`, `uid`, `name:group`, `uid:gid`, `uid:group`, …) against a
 * rootfs's /etc/passwd and /etc/group, as Docker (moby/sys/user) does: a name must exist; a
 * numeric uid need not (its gid is then 0 unless given); without a group the passwd entry's
 * primary group is used; supplementary groups are those listing the user as a member, plus
 * `extraGroups` (names or gids).
 */
export function resolveUser(
  rootfs: string,
  spec: string | undefined,
  extraGroups: Array<string | number> = [],
): ResolvedUser {
  const passwd = parsePasswd(readInRoot(rootfs, '/etc/passwd'));
  const groups = parseGroup(readInRoot(rootfs, '/etc/group'));
  const value = (spec ?? '').trim();
  const [userPart = '', groupPart] = value === '' ? ['0'] : value.split(':', 2);
  if (userPart === '' && groupPart === undefined) throw notFound(`invalid user ${JSON.stringify(spec)}`);

  const userId = numeric(userPart);
  let entry =
    userId !== undefined ? passwd.find((p) => p.uid === userId) : passwd.find((p) => p.name === userPart);
  if (userId === undefined && !entry)
    throw notFound(`unable to find user ${userPart}: no matching entries in passwd file`);
  if (userId !== undefined && userId > MAX_ID) throw notFound(`uid ${userId} is out of range`);
  if (userPart === '' && groupPart !== undefined) entry = passwd.find((p) => p.uid === 0);
  const uid = userId ?? entry!.uid;

  let gid = entry?.gid ?? 0;
  if (groupPart !== undefined && groupPart !== '') {
    const g = numeric(groupPart);
    if (g !== undefined) {
      if (g > MAX_ID) throw notFound(`gid ${g} is out of range`);
      gid = g;
    } else {
      const found = groups.find((x) => x.name === groupPart);
      if (!found) throw notFound(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = found.gid;
    }
  }

  const additional = new Set<number>();
  if (entry)
    for (const g of groups) if (g.members.includes(entry.name) && g.gid !== gid) additional.add(g.gid);
  for (const extra of extraGroups) {
    const n = typeof extra === 'number' ? extra : numeric(extra);
    if (n !== undefined) additional.add(n);
    else {
      const found = groups.find((x) => x.name === extra);
      if (!found) throw notFound(`unable to find group ${extra}: no matching entries in group file`);
      additional.add(found.gid);
    }
  }
  return {
    uid,
    gid,
    additionalGids: [...additional].sort((a, b) => a - b),
    username: entry?.name,
    home: entry?.home ?? '/',
  };
}
