import { ApiError } from '../api/api-error.js';

/** The network errors a Docker client sees, with Docker's status codes and messages. */
export const networkNotFound = (ref: string) => new ApiError(404, `network ${ref} not found`);

export const containerNotFound = (ref: string) => new ApiError(404, `No such container: ${ref}`);

export const networkExists = (name: string) => new ApiError(409, `network with name ${name} already exists`);

export const predefinedNotRemovable = (name: string) =>
  new ApiError(403, `${name} is a pre-defined network and cannot be removed`);

export const predefinedNameTaken = (name: string) =>
  new ApiError(403, `operation is not permitted on predefined ${name} network`);

export const activeEndpoints = (name: string, id: string) =>
  new ApiError(403, `error while removing network: network ${name} id ${id} has active endpoints`);

export const poolOverlaps = () => new ApiError(403, 'Pool overlaps with other one on this address space');

export const hostNetworkConnect = () =>
  new ApiError(400, 'container cannot be disconnected from host network or connected to host network');

export const privateNetworkConnect = () =>
  new ApiError(
    400,
    'container cannot be connected to multiple networks with one of the networks in private (none) mode',
  );

export const sharedNamespaceConnect = () =>
  new ApiError(
    400,
    'container sharing network namespace with another container or host cannot be connected to any other network',
  );

export const alreadyConnected = (container: string, network: string) =>
  new ApiError(403, `endpoint with name ${container} already exists in network ${network}`);

export const notConnected = (containerId: string, network: string) =>
  new ApiError(403, `container ${containerId} is not connected to network ${network}`);

export const staticIpOnDefault = () =>
  new ApiError(400, 'user specified IP address is supported on user defined networks only');

export const aliasOnDefault = () =>
  new ApiError(400, 'network-scoped alias is supported only for containers in user defined networks');
