import { readFileSync } from 'node:fs';
import { SafeRoot, type SafeStat } from '@berth/libcontainer';

/** mountinfo escapes space, tab, newline and backslash as octal (`\040`). */
const unescapeMountPath = (field: string): string =>
  field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));

/** glibc's makedev: the st_dev of major:minor. */
const deviceNumber = (major: number, minor: number): number =>
  (minor & 0xff) +
  (major & 0xfff) * 2 ** 8 +
  Math.floor(minor / 2 ** 8) * 2 ** 20 +
  Math.floor(major / 2 ** 12) * 2 ** 44;

/** The device of the topmost tmpfs mounted at `mountPoint` in the process's mount namespace. */
function tmpfsDevice(pid: number, mountPoint: string): number | undefined {
  let info: string;
  try {
    info = readFileSync(`/proc/${pid}/mountinfo`, 'utf8');
  } catch {
    return undefined;
  }
  let device: number | undefined;
  for (const line of info.split('\n')) {
    const [before, after] = line.split(' - ');
    const fields = before?.split(' ') ?? [];
    if (after?.split(' ')[0] !== 'tmpfs' || fields[4] === undefined) continue;
    if (unescapeMountPath(fields[4]) !== mountPoint) continue;
    const [major, minor] = (fields[2] ?? '').split(':').map(Number);
    if (major !== undefined && minor !== undefined) device = deviceNumber(major, minor);
  }
  return device;
}

/** Whether `pid` is (still) a process whose root is the container's rootfs. */
function hasRoot(pid: number, rootfs: SafeStat): boolean {
  let root: SafeRoot | undefined;
  try {
    root = SafeRoot.open(`/proc/${pid}/root`);
    const st = root.lstat('');
    return st.dev === rootfs.dev && st.ino === rootfs.ino;
  } catch {
    return false;
  } finally {
    root?.close();
  }
}

/**
 * The tmpfs a running container has at `at` (relative to its `/`, symlinks resolved), opened as a
 * SafeRoot: its content exists only in the container's mount namespace, reached through
 * /proc/<pid>/root of the container's init. Undefined when it can't be reached (the container has
 * stopped, or unmounted it). What is opened is checked to be that very tmpfs (the device the
 * container's mountinfo gives for it), and the pid to still be the container's afterwards (a pid is
 * not reused while its process lives, and a container's init never comes back once gone): a
 * container swapping a path component for a symlink, or a recycled pid, gets undefined, never a
 * directory of the host.
 */
export function openRunningTmpfs(pid: number, rootfs: SafeStat, at: string): SafeRoot | undefined {
  if (!(pid > 0)) return undefined;
  const device = tmpfsDevice(pid, `/${at}`);
  if (device === undefined) return undefined;
  let root: SafeRoot;
  try {
    root = SafeRoot.open(`/proc/${pid}/root/${at}`);
  } catch {
    return undefined;
  }
  let ok = false;
  try {
    ok = root.lstat('').dev === device && hasRoot(pid, rootfs);
  } finally {
    if (!ok) root.close();
  }
  return ok ? root : undefined;
}
