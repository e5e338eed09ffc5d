export { type CgroupHierarchy, type CgroupLayout, type CgroupMode, detectCgroups } from './detect.js';
export type { CgroupManager, FreezerState, RemoveOptions, WaitOptions } from './manager.js';
export type { OomWatch } from './oom.js';
export { normalizeCgroupPath, type OpenCgroupOptions, openCgroup } from './open.js';
export { type LinuxResources, sharesToWeight, weightToShares } from './resources.js';
export type { CgroupStats } from './stats.js';
