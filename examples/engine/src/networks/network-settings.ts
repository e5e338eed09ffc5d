import { createHash } from 'node:crypto';
import type { PortMapping } from '@berth/network-driver';
import type { EndpointConfig } from './endpoint-store.js';
import type { NetworkRow } from './network-store.js';
import { dockerPorts } from './published-ports.js';

/** One network of a container, as it will be or is joined. */
export interface ContainerEndpoint {
  network: NetworkRow;
  config: EndpointConfig;
}

/** Docker's EndpointSettings of one network in NetworkSettings.Networks. */
function endpointSettings(ep: ContainerEndpoint, containerId: string, containerName: string) {
  const live = ep.config.live;
  const userDefined = ep.network.driver === 'bridge' && ep.network.name !== 'bridge';
  const aliases = ep.config.Aliases ?? [];
  const ipv4 = ep.config.IPAMConfig?.IPv4Address;
  return {
    IPAMConfig: ipv4 ? { IPv4Address: ipv4 } : null,
    Links: null,
    // API 1.41 clients see the short ID among the aliases on user-defined networks, as dockerd 20.10 showed.
    Aliases: userDefined
      ? [...aliases, ...(live ? [containerId.slice(0, 12)] : [])]
      : aliases.length
        ? aliases
        : null,
    MacAddress: live?.MacAddress ?? '',
    DriverOpts: null,
    NetworkID: ep.network.id,
    EndpointID: live?.EndpointID ?? '',
    Gateway: live?.Gateway ?? '',
    IPAddress: live?.IPAddress ?? '',
    IPPrefixLen: live?.IPPrefixLen ?? 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: userDefined ? [containerName, ...aliases, containerId.slice(0, 12)] : null,
  };
}

/** Docker's container NetworkSettings from the container's endpoints (live ones while it runs). */
export function networkSettings(
  containerId: string,
  containerName: string,
  endpoints: ContainerEndpoint[],
): Record<string, unknown> {
  const live = endpoints.filter((e) => e.config.live);
  const mappings: PortMapping[] = live.flatMap((e) => e.config.live?.ports ?? []);
  const exposed = live[0]?.config.live?.exposed ?? [];
  const sandboxKey = live.find((e) => e.config.live?.sandboxKey)?.config.live?.sandboxKey ?? '';
  const networks = Object.fromEntries(
    endpoints.map((e) => [e.network.name, endpointSettings(e, containerId, containerName)]),
  );
  const onBridge = endpoints.find((e) => e.network.name === 'bridge')?.config.live;
  return {
    Bridge: '',
    SandboxID: sandboxKey ? sandboxIdOf(containerId) : '',
    HairpinMode: false,
    LinkLocalIPv6Address: '',
    LinkLocalIPv6PrefixLen: 0,
    Ports: live.length > 0 ? dockerPorts(mappings, exposed) : {},
    SandboxKey: sandboxKey,
    SecondaryIPAddresses: null,
    SecondaryIPv6Addresses: null,
    EndpointID: onBridge?.EndpointID ?? '',
    Gateway: onBridge?.Gateway ?? '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    IPAddress: onBridge?.IPAddress ?? '',
    IPPrefixLen: onBridge?.IPPrefixLen ?? 0,
    IPv6Gateway: '',
    MacAddress: onBridge?.MacAddress ?? '',
    Networks: networks,
  };
}

/** A stable 64-hex sandbox ID per container (Docker's SandboxID). */
export function sandboxIdOf(containerId: string): string {
  return createHash('sha256').update(`sandbox:${containerId}`).digest('hex');
}
