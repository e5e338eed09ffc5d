export { mkfifo, mknod, mkwhiteout, type NodeType } from './mknod.js';
export { mount, pageSize, type UmountOptions, umount } from './mount.js';
export { MOUNT_FLAGS, type MountFlagName, mountFlags } from './mount-flags.js';
export { mountOverlay, type OverlayMount, type OverlayMountMethod, overlayMountData } from './overlay.js';
export { lutimes, type Timespec, toTimespec } from './ownership-times.js';
export {
  type FileAttributes,
  type OpenFlags,
  type RenameOptions,
  type ResolveMode,
  SafeRoot,
  type SafeRootOptions,
  type SafeStat,
} from './safe-root.js';
export { lgetxattr, llistxattr, lremovexattr, lsetxattr, type XattrFlag } from './xattr.js';
