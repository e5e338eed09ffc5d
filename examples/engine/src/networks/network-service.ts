import type { Daemon } from '../daemon/daemon.js';

/** What the container service passes when a container starts (from its create request). */
export interface ContainerNetworkRequest {
  id: string;
  /** Without the leading slash. */
  name: string;
  hostname: string;
  /** HostConfig.NetworkMode: `default`/`bridge`, `none`, `host`, `container:<id|name>`, or a network name. */
  networkMode: string;
  /** HostConfig.PortBindings, e.g. `{"80/tcp": [{HostIp: "127.0.0.1", HostPort: "8080"}]}`. */
  portBindings: Record<string, { HostIp?: string; HostPort?: string }[] | null>;
  publishAllPorts: boolean;
  /** Config.ExposedPorts keys (`80/tcp`), for PublishAllPorts. */
  exposedPorts: string[];
  /** HostConfig.ExtraHosts (`name:ip`). */
  extraHosts: string[];
  /** NetworkingConfig.EndpointsConfig as created (aliases, IPAMConfig.IPv4Address). */
  endpointsConfig: Record<
    string,
    { Aliases?: string[] | null; IPAMConfig?: { IPv4Address?: string } | null }
  >;
}

/** What the container service needs back to build the runtime spec and to answer inspect. */
export interface ContainerNetworkAttachment {
  /** The network namespace to join (`linux.namespaces` network path); null for host mode. */
  netnsPath: string | null;
  /** Files to bind-mount into the container (null: none, e.g. host mode uses the host's). */
  files: { hosts: string; hostname: string; resolvConf: string } | null;
}

/** Networks: Docker's network objects over the network driver, with records in SQLite. */
export class NetworkService {
  constructor(readonly daemon: Daemon) {}

  /** On daemon start: make sure the predefined networks (bridge, host, none) have records. */
  async recover(): Promise<void> {}

  /** Gives a starting container its sandbox, endpoints, published ports and generated files. */
  async attachContainer(_request: ContainerNetworkRequest): Promise<ContainerNetworkAttachment> {
    throw new Error('not implemented');
  }

  /** Tears down what attachContainer made (the container stopped or is removed). Idempotent. */
  async detachContainer(_id: string): Promise<void> {}

  /** Docker's `NetworkSettings` for container inspect (empty values when not running). */
  networkSettings(_id: string): Record<string, unknown> {
    return {};
  }
}
