/**
 * mount(2) flags by the names mount(8) uses. `rbind`, `rprivate`, … are the `r` (MS_REC)
 * forms. `rw` is 0: it only means "not ro".
 */
export const MOUNT_FLAGS = {
  ro: 0x1,
  rw: 0,
  nosuid: 0x2,
  nodev: 0x4,
  noexec: 0x8,
  sync: 0x10,
  remount: 0x20,
  mand: 0x40,
  dirsync: 0x80,
  nosymfollow: 0x100,
  noatime: 0x400,
  nodiratime: 0x800,
  bind: 0x1000,
  move: 0x2000,
  rec: 0x4000,
  rbind: 0x1000 | 0x4000,
  silent: 0x8000,
  unbindable: 0x20000,
  runbindable: 0x20000 | 0x4000,
  private: 0x40000,
  rprivate: 0x40000 | 0x4000,
  slave: 0x80000,
  rslave: 0x80000 | 0x4000,
  shared: 0x100000,
  rshared: 0x100000 | 0x4000,
  relatime: 0x200000,
  strictatime: 0x1000000,
  lazytime: 0x2000000,
} as const;

export type MountFlagName = keyof typeof MOUNT_FLAGS;

/** `['bind', 'rec']` → MS_BIND | MS_REC. A number is passed through. */
export function mountFlags(flags: readonly MountFlagName[] | number): number {
  if (typeof flags === 'number') return flags;
  let n = 0;
  for (const name of flags) {
    const bit = Object.hasOwn(MOUNT_FLAGS, name) ? MOUNT_FLAGS[name] : undefined;
    if (bit === undefined) throw new RangeError(`unknown mount flag ${JSON.stringify(name)}`);
    n |= bit;
  }
  return n;
}
