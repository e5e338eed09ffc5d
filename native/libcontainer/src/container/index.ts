export type { Attachment } from './attach.js';
export { Container, type ExecOptions } from './container.js';
export type { ContainerRecord } from './container-record.js';
export {
  type CreateContainerOptions,
  createContainer,
  listContainers,
  loadContainer,
} from './create-container.js';
export type { ExitStatus } from './exit-status.js';
export { MonitoredProcess, type MonitoredRecord, type ProcessStatus } from './monitored-process.js';
export { type RunInPlaceOptions, runContainerInPlace } from './run-in-place.js';
export type { RuntimeProcess, RuntimeSpec } from './runtime-spec.js';
