import type { NetworkInfo } from '@berth/network-driver';
import type { NetworkRow } from './network-store.js';

/** One attached container in a network inspect. */
export interface NetworkContainer {
  Name: string;
  EndpointID: string;
  MacAddress: string;
  IPv4Address: string;
  IPv6Address: string;
}

/** Options Docker shows for its default bridge (`docker network inspect bridge`). */
function defaultBridgeOptions(bridge: string): Record<string, string> {
  return {
    'com.docker.network.bridge.default_bridge': 'true',
    'com.docker.network.bridge.enable_icc': 'true',
    'com.docker.network.bridge.enable_ip_masquerade': 'true',
    'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0',
    'com.docker.network.bridge.name': bridge,
    'com.docker.network.driver.mtu': '1500',
  };
}

/**
 * Docker's NetworkResource (`GET /networks/{id}`, and without containers the list items) from the
 * record and the driver's view of the bridge and its addresses.
 */
export function networkResource(
  row: NetworkRow,
  info: NetworkInfo | undefined,
  containers: Record<string, NetworkContainer> | undefined,
): Record<string, unknown> {
  const ipamConfig = info
    ? [
        {
          Subnet: info.subnet,
          Gateway: info.gateway,
          ...(info.ipRange !== info.subnet ? { IPRange: info.ipRange } : {}),
        },
      ]
    : [];
  const options = info?.isDefault ? { ...defaultBridgeOptions(info.bridge), ...row.options } : row.options;
  return {
    Name: row.name,
    Id: row.id,
    Created: row.created,
    Scope: 'local',
    Driver: row.driver,
    EnableIPv4: row.driver === 'bridge',
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: ipamConfig },
    Internal: row.internal,
    Attachable: row.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    ...(containers ? { Containers: containers } : {}),
    Options: options,
    Labels: row.labels,
  };
}
