export type { Upstream } from './dns.js';
export {
  type ConnectOptions,
  type ContainerFiles,
  type CreateNetworkOptions,
  type CreateSandboxOptions,
  type EndpointInfo,
  NetworkDriver,
  type NetworkDriverOptions,
  type NetworkInfo,
  type NetworkMode,
  type SandboxInfo,
} from './driver.js';
export { isNetworkDriverError, NetworkDriverError, type NetworkDriverErrorCode } from './errors.js';
export type { AddressPool } from './ipam.js';
export { batchedIp, type LinkPlumbing, perStepIp, type VethAttach } from './link.js';
export { type PortMapping, type PortProtocol, type PortRequest, parsePortSpec } from './ports.js';
export { containerResolvConf, formatHosts, formatResolvConf, parseResolvConf } from './resolv.js';
