export { isLibcontainerError, LibcontainerError, type LibcontainerErrorCode } from './errors.js';
export { Pidfd, signalNumber } from './process/pidfd.js';
