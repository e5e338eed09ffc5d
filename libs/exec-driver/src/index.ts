export type { Attachment, CgroupStats, ExitStatus, MonitoredProcess } from '@berth/libcontainer';
export { containerCgroupPath } from './driver/cgroup-path.js';
export {
  CONSOLE_SOCKET_FIELD,
  type ContainerInfo,
  type CreateOptions,
  ExecDriver,
  type ExecDriverOptions,
  type ExecOptions,
  type RunInPlaceOptions,
  type StopOptions,
} from './driver/driver.js';
export type { ContainerEvent } from './driver/events.js';
export {
  type LogEntry,
  type LogOptions,
  type LogReadOptions,
  readLogFile,
  timeSeconds,
} from './driver/logs.js';
export { stateName } from './driver/state-name.js';
export { ExecDriverError, type ExecDriverErrorCode, isExecDriverError } from './errors.js';
export {
  ALL_CAPABILITIES,
  DEFAULT_CAPABILITIES,
  DEFAULT_MASKED_PATHS,
  DEFAULT_PATH,
  DEFAULT_READONLY_PATHS,
  defaultDeviceRules,
  defaultMounts,
  STOP_SIGNAL_ANNOTATION,
} from './image/defaults.js';
export { allHostDevices, type HostDevice, hostDevices, parseDeviceCgroupRule } from './image/host-devices.js';
export { computeCapabilities, type SpecOverrides, specFromImage } from './image/spec-from-image.js';
export { parseGroup, parsePasswd, type ResolvedUser, resolveUser } from './image/user.js';
export {
  type DockerSeccompProfile,
  dockerDefaultProfile,
  type ResolveProfileOptions,
  resolveSeccompProfile,
} from './seccomp/profile.js';
export type * from './spec/types.js';
export { OCI_VERSION } from './spec/types.js';
export {
  parseSpec,
  type ValidateSpecOptions,
  validateProcess,
  validateSpec,
  validateState,
} from './spec/validate.js';
