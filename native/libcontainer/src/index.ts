export * from './cgroups/index.js';
export * from './container/index.js';
export { isLibcontainerError, LibcontainerError, type LibcontainerErrorCode } from './errors.js';
export * from './fs/index.js';
export { createNetns, netnsInode, prepareNetnsDir, removeNetns, removeNetnsDir } from './netns/netns.js';
export { Pidfd, signalNumber } from './process/pidfd.js';
export { trimMemory } from './process/trim-memory.js';
