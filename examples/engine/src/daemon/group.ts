import { readFileSync } from 'node:fs';

/** The gid of a group from /etc/group (Node has no getgrnam). */
export function getgrnam(name: string): number | undefined {
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const [group, , gid] = line.split(':');
      if (group === name && gid !== undefined) return Number(gid);
    }
  } catch {
    // no /etc/group: no group
  }
  return undefined;
}
