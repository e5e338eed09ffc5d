import { randomBytes } from 'node:crypto';
import type { CreateNetworkOptions } from '@berth/network-driver';
import { ApiError, badRequest } from '../api/api-error.js';
import { predefinedNameTaken } from './network-errors.js';
import type { NetworkRow } from './network-store.js';
import { isPredefinedName } from './predefined-networks.js';

/** `POST /networks/create` body, as validated by the route. */
export interface NetworkCreateRequest {
  Name: string;
  Driver?: string | undefined;
  Scope?: string | undefined;
  Internal?: boolean | undefined;
  Attachable?: boolean | undefined;
  Ingress?: boolean | undefined;
  ConfigOnly?: boolean | undefined;
  ConfigFrom?: { Network?: string | undefined } | null | undefined;
  EnableIPv6?: boolean | null | undefined;
  IPAM?:
    | {
        Driver?: string | undefined;
        Config?:
          | { Subnet?: string | undefined; Gateway?: string | undefined; IPRange?: string | undefined }[]
          | null
          | undefined;
        Options?: Record<string, string> | null | undefined;
      }
    | null
    | undefined;
  Options?: Record<string, string> | null | undefined;
  Labels?: Record<string, string> | null | undefined;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const IP = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
/** Drivers dockerd has that berthd does not; any other name is an unknown plugin (404), as in Docker. */
const DOCKER_DRIVERS = new Set(['overlay', 'macvlan', 'ipvlan']);

const validCidr = (text: string) => {
  const m = CIDR.exec(text);
  return !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
};
const validIp = (text: string) => {
  const m = IP.exec(text);
  return !!m && m.slice(1, 5).every((o) => Number(o) <= 255);
};

/**
 * Checks a create request the way dockerd does and turns it into the driver's options and the
 * record to store (its ID is filled in from the driver). Throws Docker's status and message.
 */
export function planNetworkCreate(req: NetworkCreateRequest): {
  driver: CreateNetworkOptions;
  row: Omit<NetworkRow, 'id'>;
} {
  const name = req.Name;
  if (name === '') throw badRequest('network name is required');
  if (isPredefinedName(name)) throw predefinedNameTaken(name);
  if (!NAME.test(name) || name.length > 128) {
    throw badRequest(`invalid network name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  const driver = req.Driver || 'bridge';
  if (driver === 'host' || driver === 'null') {
    throw new ApiError(403, `only one instance of "${driver}" network is allowed`);
  }
  if (DOCKER_DRIVERS.has(driver)) throw badRequest(`network driver "${driver}" is not supported by berthd`);
  if (driver !== 'bridge') throw new ApiError(404, `plugin "${driver}" not found`);
  if (req.Scope && req.Scope !== 'local') throw badRequest(`scope "${req.Scope}" is not supported`);
  if (req.Ingress) throw new ApiError(403, 'ingress networks need swarm mode, which berthd does not have');
  if (req.ConfigOnly || req.ConfigFrom?.Network) {
    throw badRequest('config-only networks are not supported by berthd');
  }
  if (req.EnableIPv6) throw badRequest('IPv6 networks are not supported by berthd');
  const ipamDriver = req.IPAM?.Driver || 'default';
  if (ipamDriver !== 'default') throw new ApiError(404, `plugin "${ipamDriver}" not found`);
  const configs = req.IPAM?.Config ?? [];
  if (configs.length > 1)
    throw badRequest('berthd networks have a single IPv4 subnet (one IPAM.Config entry)');
  const ipam = configs[0] ?? {};
  const options: CreateNetworkOptions = { name, internal: req.Internal ?? false };
  if (ipam.Subnet !== undefined && ipam.Subnet !== '') {
    if (ipam.Subnet.includes(':')) throw badRequest('IPv6 networks are not supported by berthd');
    if (!validCidr(ipam.Subnet)) throw badRequest(`invalid CIDR address: ${ipam.Subnet}`);
    options.subnet = ipam.Subnet;
  }
  if (ipam.Gateway) {
    if (!options.subnet) throw badRequest(`gateway ${ipam.Gateway} needs a subnet`);
    if (!validIp(ipam.Gateway)) throw badRequest(`invalid gateway address: ${ipam.Gateway}`);
    options.gateway = ipam.Gateway;
  }
  if (ipam.IPRange) {
    if (!options.subnet) throw badRequest(`ip-range ${ipam.IPRange} needs a subnet`);
    if (!validCidr(ipam.IPRange)) throw badRequest(`invalid CIDR address: ${ipam.IPRange}`);
    options.ipRange = ipam.IPRange;
  }
  const bridgeName = req.Options?.['com.docker.network.bridge.name'];
  if (bridgeName !== undefined) {
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(bridgeName)) {
      throw badRequest(`invalid bridge name "${bridgeName}" (at most 15 letters, digits, '_', '.', '-')`);
    }
    options.bridge = bridgeName;
  }
  return {
    driver: options,
    row: {
      name,
      driver: 'bridge',
      created: new Date().toISOString(),
      internal: req.Internal ?? false,
      attachable: req.Attachable ?? false,
      options: req.Options ?? {},
      labels: req.Labels ?? {},
    },
  };
}

/** A fresh 64-hex endpoint ID (Docker's EndpointID). */
export const newEndpointId = () => randomBytes(32).toString('hex');
