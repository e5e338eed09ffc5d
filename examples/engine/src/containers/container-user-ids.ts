import { closeSync, readFileSync } from 'node:fs';
import { badRequest } from '../api/api-error.js';
import type { TreeOps } from './tree-ops.js';

export interface UserIds {
  uid: number;
  gid: number;
}

const NUMERIC = /^\d+$/;

/** One of the container's /etc/passwd or /etc/group files, read inside its root ('' when absent). */
function readDatabase(root: TreeOps, rel: string): string {
  let fd: number;
  try {
    fd = root.openFile(rel, 'r');
  } catch {
    return '';
  }
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** The `name:x:id:gid:…` line of a passwd/group file whose name (or id, with `byId`) is `key`. */
function findEntry(database: string, key: string, byId = false): string[] | undefined {
  for (const line of database.split('\n')) {
    const fields = line.split(':');
    if (fields.length >= 3 && (byId ? fields[2] : fields[0]) === key) return fields;
  }
  return undefined;
}

/**
 * The uid and gid the container's `User` (`name`, `uid`, `name:group`, `uid:gid`) means in its own
 * /etc/passwd and /etc/group, for `docker cp -a` (copyUIDGID). Empty is root.
 */
export function containerUserIds(root: TreeOps, user: string): UserIds {
  if (!user) return { uid: 0, gid: 0 };
  const [who = '', group] = user.split(':');
  const passwd = readDatabase(root, 'etc/passwd');
  const entry = findEntry(passwd, who, NUMERIC.test(who));
  if (!entry && !NUMERIC.test(who))
    throw badRequest(`unable to find user ${who}: no matching entries in passwd file`);
  const uid = entry ? Number(entry[2]) : Number(who);
  if (group === undefined || group === '') return { uid, gid: entry ? Number(entry[3]) : 0 };
  if (NUMERIC.test(group)) return { uid, gid: Number(group) };
  const groupEntry = findEntry(readDatabase(root, 'etc/group'), group);
  if (!groupEntry) throw badRequest(`unable to find group ${group}: no matching entries in group file`);
  return { uid, gid: Number(groupEntry[2]) };
}
