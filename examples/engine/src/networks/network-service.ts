import { existsSync } from 'node:fs';
import { isNetworkDriverError, type NetworkInfo, type PortRequest } from '@berth/network-driver';
import { match, P } from 'ts-pattern';
import { ApiError, badRequest, conflict } from '../api/api-error.js';
import type { Daemon } from '../daemon/daemon.js';
import { ContainerLookup, type ContainerRef } from './container-lookup.js';
import {
  type EndpointConfig,
  type EndpointRequest,
  EndpointStore,
  type LiveEndpoint,
} from './endpoint-store.js';
import { type NetworkCreateRequest, newEndpointId, planNetworkCreate } from './network-create.js';
import {
  activeEndpoints,
  aliasOnDefault,
  alreadyConnected,
  containerNotFound,
  hostNetworkConnect,
  networkExists,
  networkNotFound,
  notConnected,
  poolOverlaps,
  predefinedNotRemovable,
  privateNetworkConnect,
  sharedNamespaceConnect,
  staticIpOnDefault,
} from './network-errors.js';
import { networkFilter, pruneFilter } from './network-filters.js';
import { type NetworkContainer, networkResource } from './network-resource.js';
import { type ContainerEndpoint, networkSettings } from './network-settings.js';
import { type NetworkRow, NetworkStore } from './network-store.js';
import { ensurePredefined, isPredefined } from './predefined-networks.js';
import { portRequests } from './published-ports.js';

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

/** A container's NetworkMode, decoded. */
type Mode =
  | { kind: 'host' }
  | { kind: 'none' }
  | { kind: 'container'; ref: string }
  | { kind: 'network'; ref: string };

function parseMode(networkMode: string): Mode {
  return match(networkMode)
    .with(P.union('', 'default', 'bridge'), () => ({ kind: 'network' as const, ref: 'bridge' }))
    .with('host', () => ({ kind: 'host' as const }))
    .with('none', () => ({ kind: 'none' as const }))
    .with(P.string.startsWith('container:'), (m) => ({
      kind: 'container' as const,
      ref: m.slice('container:'.length),
    }))
    .otherwise((ref) => ({ kind: 'network' as const, ref }));
}

/** Networks: Docker's network objects over the network driver, with records in SQLite. */
export class NetworkService {
  readonly #networks: NetworkStore;
  readonly #endpoints: EndpointStore;
  readonly #containers: ContainerLookup;
  /** Containers joined to another's sandbox (`container:` mode): sharer → owner. */
  readonly #sharers = new Map<string, string>();
  /** Owners that stopped while others still shared their namespace: removed when the last one leaves. */
  readonly #orphanedOwners = new Set<string>();

  constructor(readonly daemon: Daemon) {
    this.#networks = new NetworkStore(daemon.db);
    this.#endpoints = new EndpointStore(daemon.db);
    this.#containers = new ContainerLookup(daemon.db);
  }

  get #driver() {
    return this.daemon.network;
  }

  /**
   * On daemon start: make sure the predefined networks (bridge, host, none) have records, and
   * match the records with the driver's state (NetworkDriver.open already rolled back what a
   * crash left half-made): records whose bridge the driver lost are dropped, driver networks
   * without a record (a crash between the two steps) are removed, and endpoints whose sandbox
   * is gone stop counting as live.
   */
  async recover(): Promise<void> {
    this.#recoverSharers();
    const driverNets = await this.#driver.listNetworks();
    const byName = new Map(driverNets.map((n) => [n.name, n]));
    ensurePredefined(
      this.#networks,
      driverNets.find((n) => n.isDefault),
    );
    for (const row of this.#networks.list()) {
      if (row.driver === 'bridge' && !byName.has(row.name)) {
        this.daemon.logger.warn(
          `network ${row.name} (${row.id}): the driver has no bridge for it; forgetting it`,
        );
        this.#networks.delete(row.id);
      }
    }
    for (const net of driverNets) {
      if (this.#networks.byName(net.name)) continue;
      if (net.endpoints.length === 0) {
        this.daemon.logger.warn(`network ${net.name}: no record (interrupted create); removing its bridge`);
        await this.#driver.removeNetwork(net.name, { allowDefault: true }).catch(() => undefined);
      }
    }
    for (const ep of this.#endpoints.all()) {
      if (!ep.config.live) continue;
      const row = this.#networks.byId(ep.networkId);
      if (row?.driver !== 'bridge') continue;
      const info = row ? byName.get(row.name) : undefined;
      if (!info?.endpoints.some((e) => e.sandbox === ep.containerId)) {
        this.#endpoints.clearLive(ep.containerId, ep.networkId);
      }
    }
  }

  /**
   * Who shares whose namespace (`container:` mode) lives in memory: rebuilt from the records of
   * containers that were running. A stale one (it died while the daemon was down) is detached by
   * the containers' own recovery right after, which needs this map to free the namespace.
   */
  #recoverSharers(): void {
    const rows = this.daemon.db
      .prepare(
        `SELECT id, json_extract(host_config, '$.NetworkMode') AS mode, json_extract(state, '$.Status') AS status
         FROM containers`,
      )
      .all() as { id: string; mode: string | null; status: string }[];
    const live = new Set(
      rows.filter((r) => ['running', 'paused', 'restarting'].includes(r.status)).map((r) => r.id),
    );
    const target = new Map<string, string>();
    for (const r of rows) {
      if (!live.has(r.id) || !r.mode?.startsWith('container:')) continue;
      const t = this.#containers.find(r.mode.slice('container:'.length));
      if (t) target.set(r.id, t.id);
    }
    for (const [sharer, direct] of target) {
      let owner = direct;
      for (let hops = 0; target.has(owner) && hops < target.size; hops++) owner = target.get(owner) as string;
      this.#sharers.set(sharer, owner);
      if (!live.has(owner)) this.#orphanedOwners.add(owner);
    }
  }

  // ------------------------------------------------------------ networks API

  /** Finds a network as Docker does: full ID, name, then a unique ID prefix. */
  find(ref: string): NetworkRow {
    const exact = this.#networks.byId(ref) ?? this.#networks.byName(ref);
    if (exact) return exact;
    const prefixed = this.#networks.byIdPrefix(ref);
    if (prefixed.length > 1) {
      throw badRequest(`network ${ref} is ambiguous (${prefixed.length} matches found based on ID prefix)`);
    }
    if (prefixed.length === 1) return prefixed[0] as NetworkRow;
    throw networkNotFound(ref);
  }

  async list(filters: Map<string, string[]>): Promise<Record<string, unknown>[]> {
    const infos = await this.#driverInfos();
    const keep = networkFilter(filters, (row) => this.#liveEndpoints(row.id).length > 0, isPredefined);
    return this.#networks
      .list()
      .filter(keep)
      .map((row) => networkResource(row, infos.get(row.name), undefined));
  }

  async inspect(ref: string): Promise<Record<string, unknown>> {
    const row = this.find(ref);
    const info = row.driver === 'bridge' ? (await this.#driverInfos()).get(row.name) : undefined;
    return networkResource(row, info, this.#attachedContainers(row));
  }

  async create(req: NetworkCreateRequest): Promise<{ Id: string; Warning: string }> {
    const plan = planNetworkCreate(req);
    if (this.#networks.byName(plan.row.name)) throw networkExists(plan.row.name);
    if (plan.driver.bridge && existsSync(`/sys/class/net/${plan.driver.bridge}`)) {
      throw conflict(`bridge name ${plan.driver.bridge} is already used by an interface of the host`);
    }
    const info = await this.#driver.createNetwork(plan.driver).catch((err: unknown) => {
      if (isNetworkDriverError(err, 'ERR_SUBNET_OVERLAP')) throw poolOverlaps();
      if (isNetworkDriverError(err, 'ERR_NETWORK_EXISTS')) throw networkExists(plan.row.name);
      throw err;
    });
    try {
      this.#networks.insert({ ...plan.row, id: info.id });
    } catch (err) {
      await this.#driver.removeNetwork(info.name).catch(() => undefined);
      if (/UNIQUE constraint/.test((err as Error).message)) throw networkExists(plan.row.name);
      throw err;
    }
    this.daemon.events.emit('network', 'create', info.id, { name: info.name, type: 'bridge' });
    return { Id: info.id, Warning: '' };
  }

  async remove(ref: string): Promise<void> {
    const row = this.find(ref);
    if (isPredefined(row)) throw predefinedNotRemovable(row.name);
    if (this.#liveEndpoints(row.id).length > 0) throw activeEndpoints(row.name, row.id);
    await this.#driver.removeNetwork(row.name).catch((err: unknown) => {
      if (isNetworkDriverError(err, 'ERR_NETWORK_IN_USE')) throw activeEndpoints(row.name, row.id);
      if (!isNetworkDriverError(err, 'ERR_NETWORK_NOT_FOUND')) throw err;
    });
    this.#networks.delete(row.id);
    this.daemon.events.emit('network', 'destroy', row.id, { name: row.name, type: row.driver });
  }

  /** Removes the user-defined networks no running container uses; returns their names. */
  async prune(filters: Map<string, string[]>): Promise<string[]> {
    const keep = pruneFilter(filters);
    const removed: string[] = [];
    for (const row of this.#networks.list()) {
      if (isPredefined(row) || !keep(row) || this.#liveEndpoints(row.id).length > 0) continue;
      try {
        await this.remove(row.id);
        removed.push(row.name);
      } catch (err) {
        // Someone attached meanwhile: Docker's prune skips networks it cannot remove.
        this.daemon.logger.debug(`prune: kept network ${row.name}: ${(err as Error).message}`);
      }
    }
    return removed;
  }

  /** `docker network connect`: joins now if the container runs, else at its next start. */
  async connect(ref: string, containerRef: string, request: EndpointRequest): Promise<void> {
    const row = this.find(ref);
    const container = this.#containers.find(containerRef);
    if (!container) throw containerNotFound(containerRef);
    this.#checkConnectable(row, container.networkMode);
    if (
      this.#desiredEndpoints(container.id, container.networkMode, container.endpointsConfig, false).some(
        (e) => e.network.id === row.id,
      )
    ) {
      throw alreadyConnected(container.name, row.name);
    }
    this.#checkEndpointRequest(row, request);
    const config: EndpointConfig = {
      Aliases: request.Aliases ?? null,
      IPAMConfig: request.IPAMConfig ?? null,
    };
    try {
      const live = await this.#connectEndpoint(container.id, row, config, [], []);
      this.#endpoints.put(container.id, row.id, { ...config, live });
      this.#emitEndpoint('connect', row, container.id);
      await this.#rewriteFiles(container);
    } catch (err) {
      // Not running: remembered, and joined at the next start (as Docker does).
      if (!isNetworkDriverError(err, 'ERR_SANDBOX_NOT_FOUND')) throw err;
      this.#endpoints.put(container.id, row.id, config);
    }
  }

  /** `docker network disconnect`: leaves now if running, and for good. */
  async disconnect(ref: string, containerRef: string): Promise<void> {
    const row = this.find(ref);
    const container = this.#containers.find(containerRef);
    if (!container) throw containerNotFound(containerRef);
    if (row.driver === 'host' || container.networkMode === 'host') throw hostNetworkConnect();
    const current = this.#desiredEndpoints(
      container.id,
      container.networkMode,
      container.endpointsConfig,
      false,
    );
    const ep = current.find((e) => e.network.id === row.id);
    if (!ep) throw notConnected(container.id, row.name);
    if (ep.config.live && row.driver === 'bridge') {
      await this.#driver.disconnect(container.id, row.name).catch((err: unknown) => {
        if (
          !isNetworkDriverError(err, 'ERR_SANDBOX_NOT_FOUND') &&
          !isNetworkDriverError(err, 'ERR_ENDPOINT_NOT_FOUND')
        )
          throw err;
      });
    }
    const { live, ...rest } = ep.config;
    this.#endpoints.put(container.id, row.id, { ...rest, disconnected: true });
    if (live) {
      this.#emitEndpoint('disconnect', row, container.id);
      await this.#rewriteFiles(container);
    }
  }

  /**
   * A running container's /etc/hosts and resolv.conf follow its networks, as with dockerd: its
   * addresses, and the embedded DNS once it is on a user-defined network.
   */
  async #rewriteFiles(container: ContainerRef): Promise<void> {
    await this.#driver
      .writeContainerFiles(container.id, { extraHosts: await this.#extraHosts(container.extraHosts) })
      .catch((err: unknown) => {
        if (!isNetworkDriverError(err, 'ERR_SANDBOX_NOT_FOUND')) throw err;
      });
  }

  // ------------------------------------------------------------ containers

  /** Gives a starting container its sandbox, endpoints, published ports and generated files. */
  async attachContainer(request: ContainerNetworkRequest): Promise<ContainerNetworkAttachment> {
    const mode = parseMode(request.networkMode);
    // A sandbox left by a run that ended without detach (daemon crash): start clean.
    await this.detachContainer(request.id);
    return match(mode)
      .with({ kind: 'host' }, () => this.#attachHost(request))
      .with({ kind: 'none' }, () => this.#attachNone(request))
      .with({ kind: 'container' }, ({ ref }) => this.#attachShared(request, ref))
      .with({ kind: 'network' }, () => this.#attachBridged(request))
      .exhaustive();
  }

  async #attachHost(request: ContainerNetworkRequest): Promise<ContainerNetworkAttachment> {
    const host = this.find('host');
    const live: LiveEndpoint = { ...emptyLive(), EndpointID: newEndpointId() };
    this.#endpoints.put(request.id, host.id, { ...this.#storedConfig(request.id, host.id), live });
    this.#emitEndpoint('connect', host, request.id);
    return { netnsPath: null, files: null };
  }

  async #attachNone(request: ContainerNetworkRequest): Promise<ContainerNetworkAttachment> {
    const none = this.find('none');
    const sandbox = await this.#driver.createSandbox(request.id, {
      mode: 'none',
      name: request.name,
      hostname: request.hostname,
      deferLoopback: true, // the exec driver's monitor brings lo up as the container joins
    });
    try {
      const files = await this.#driver.writeContainerFiles(request.id, {
        extraHosts: await this.#extraHosts(request.extraHosts),
      });
      const live: LiveEndpoint = {
        ...emptyLive(),
        EndpointID: newEndpointId(),
        sandboxKey: sandbox.netnsPath ?? '',
      };
      this.#endpoints.put(request.id, none.id, { ...this.#storedConfig(request.id, none.id), live });
      this.#emitEndpoint('connect', none, request.id);
      return { netnsPath: sandbox.netnsPath, files };
    } catch (err) {
      await this.detachContainer(request.id);
      throw err;
    }
  }

  async #attachShared(request: ContainerNetworkRequest, ref: string): Promise<ContainerNetworkAttachment> {
    const target = this.#containers.find(ref);
    if (!target) throw containerNotFound(ref);
    if (target.id === request.id) throw badRequest('cannot join own network namespace');
    const owner = this.#sharers.get(target.id) ?? target.id;
    const sandbox = await this.#driver
      .createSandbox(request.id, {
        mode: `container:${owner}`,
        name: request.name,
        hostname: request.hostname,
      })
      .catch((err: unknown) => {
        if (isNetworkDriverError(err, 'ERR_SANDBOX_NOT_FOUND') || this.#orphanedOwners.has(owner)) {
          throw conflict(`cannot join network of a non running container: ${target.id}`);
        }
        if (isNetworkDriverError(err, 'ERR_INVALID_ARGUMENT') && /host network/.test(err.message)) {
          throw badRequest(`cannot join network of container ${target.id}: it uses the host network`);
        }
        throw err;
      });
    this.#sharers.set(request.id, owner);
    try {
      const files = await this.#driver.writeContainerFiles(request.id, {
        extraHosts: await this.#extraHosts(request.extraHosts),
      });
      return { netnsPath: sandbox.netnsPath, files };
    } catch (err) {
      await this.detachContainer(request.id);
      throw err;
    }
  }

  async #attachBridged(request: ContainerNetworkRequest): Promise<ContainerNetworkAttachment> {
    // Everything is checked before the first kernel object is made.
    const endpoints = this.#desiredEndpoints(request.id, request.networkMode, request.endpointsConfig, true);
    for (const ep of endpoints) this.#checkEndpointRequest(ep.network, ep.config);
    const ports = portRequests(request.portBindings, request.publishAllPorts, request.exposedPorts);
    const extraHosts = await this.#extraHosts(request.extraHosts);
    const sandbox = await this.#driver
      .createSandbox(request.id, {
        mode: 'bridge',
        name: request.name,
        hostname: request.hostname,
        deferLoopback: endpoints.length > 0, // connected right below
      })
      .catch((err: unknown) => {
        // Its previous namespace is still held by containers that joined it (`container:` mode).
        if (isNetworkDriverError(err, 'ERR_SANDBOX_EXISTS')) {
          throw conflict(
            `cannot start container ${request.id}: containers joined to its network namespace still run`,
          );
        }
        throw err;
      });
    try {
      // Ports go on the first network that reaches outside (the one giving the default route).
      const portsOn = endpoints.find((e) => !e.network.internal) ?? endpoints[0];
      for (const ep of endpoints) {
        const { live: _old, disconnected: _d, ...config } = ep.config;
        const live = await this.#connectEndpoint(
          request.id,
          ep.network,
          config,
          ep === portsOn ? ports : [],
          request.exposedPorts,
        );
        this.#endpoints.put(request.id, ep.network.id, { ...config, live });
        this.#emitEndpoint('connect', ep.network, request.id);
      }
      const files = await this.#driver.writeContainerFiles(request.id, { extraHosts });
      return { netnsPath: sandbox.netnsPath, files };
    } catch (err) {
      await this.detachContainer(request.id);
      throw err;
    }
  }

  /** Tears down what attachContainer made (the container stopped or is removed). Idempotent. */
  async detachContainer(id: string): Promise<void> {
    await this.#removeSandbox(id);
    const owner = this.#sharers.get(id);
    this.#sharers.delete(id);
    if (owner && this.#orphanedOwners.has(owner) && ![...this.#sharers.values()].includes(owner)) {
      this.#orphanedOwners.delete(owner);
      await this.#removeSandbox(owner);
    }
    for (const ep of this.#endpoints.ofContainer(id)) {
      if (!ep.config.live) continue;
      this.#endpoints.clearLive(id, ep.networkId);
      const row = this.#networks.byId(ep.networkId);
      if (row) this.#emitEndpoint('disconnect', row, id);
    }
  }

  async #removeSandbox(id: string): Promise<void> {
    try {
      await this.#driver.removeSandbox(id);
    } catch (err) {
      if (isNetworkDriverError(err, 'ERR_SANDBOX_NOT_FOUND')) return;
      if (!isNetworkDriverError(err, 'ERR_SANDBOX_IN_USE')) throw err;
      // Others joined this namespace: it stays until they leave, but its endpoints go now.
      this.#orphanedOwners.add(id);
      for (const ep of this.#endpoints.ofContainer(id)) {
        const row = this.#networks.byId(ep.networkId);
        if (ep.config.live && row?.driver === 'bridge') {
          await this.#driver.disconnect(id, row.name).catch(() => undefined);
        }
      }
    }
  }

  /** Docker's `NetworkSettings` for container inspect (empty values when not running). */
  networkSettings(id: string): Record<string, unknown> {
    const container = this.#containers.byId(id);
    if (!container) return networkSettings(id, '', []);
    const endpoints = this.#desiredEndpoints(id, container.networkMode, container.endpointsConfig, false);
    return networkSettings(id, container.name, endpoints);
  }

  // ------------------------------------------------------------ helpers

  /**
   * The networks a container belongs to, in join order: its NetworkMode network, the other
   * networks of its create request, those connected later; less those it was disconnected from.
   * `strict` makes a missing network an error (at start) instead of being skipped (inspect).
   */
  #desiredEndpoints(
    containerId: string,
    networkMode: string,
    endpointsConfig: Record<string, EndpointRequest>,
    strict: boolean,
  ): ContainerEndpoint[] {
    const mode = parseMode(networkMode);
    const stored = new Map(this.#endpoints.ofContainer(containerId).map((e) => [e.networkId, e.config]));
    const out: ContainerEndpoint[] = [];
    const add = (key: string, requested: EndpointRequest | undefined) => {
      const ref = key === 'default' ? 'bridge' : key; // NetworkMode's other name for it
      let network: NetworkRow;
      try {
        network = this.find(ref);
      } catch (err) {
        if (strict) throw err;
        return;
      }
      if (out.some((e) => e.network.id === network.id)) return;
      const config = stored.get(network.id) ?? { ...requested };
      if (!config.disconnected) out.push({ network, config });
    };
    const requestFor = (ref: string) => {
      const key = Object.keys(endpointsConfig).find(
        (k) => k === ref || (k === 'default' && ref === 'bridge') || this.#sameNetwork(k, ref),
      );
      return key === undefined ? undefined : endpointsConfig[key];
    };
    match(mode)
      .with({ kind: 'host' }, () => add('host', undefined))
      .with({ kind: 'none' }, () => add('none', undefined))
      .with({ kind: 'container' }, () => undefined)
      .with({ kind: 'network' }, ({ ref }) => {
        add(ref, requestFor(ref));
        for (const [key, requested] of Object.entries(endpointsConfig)) add(key, requested);
        for (const networkId of stored.keys()) add(networkId, undefined);
      })
      .exhaustive();
    return out;
  }

  #sameNetwork(a: string, b: string): boolean {
    try {
      return this.find(a).id === this.find(b).id;
    } catch {
      return false;
    }
  }

  #storedConfig(containerId: string, networkId: string): EndpointConfig {
    const { live: _live, ...rest } = this.#endpoints.get(containerId, networkId)?.config ?? {};
    return rest;
  }

  #checkConnectable(row: NetworkRow, containerMode: string): void {
    const mode = parseMode(containerMode);
    if (row.driver === 'host' || mode.kind === 'host') throw hostNetworkConnect();
    if (row.driver === 'null' || mode.kind === 'none') throw privateNetworkConnect();
    if (mode.kind === 'container') throw sharedNamespaceConnect();
  }

  #checkEndpointRequest(row: NetworkRow, request: EndpointRequest): void {
    if (row.driver !== 'bridge') return;
    const userDefined = row.name !== 'bridge';
    if (!userDefined && request.IPAMConfig?.IPv4Address) throw staticIpOnDefault();
    if (!userDefined && (request.Aliases ?? []).length > 0) throw aliasOnDefault();
  }

  async #connectEndpoint(
    containerId: string,
    row: NetworkRow,
    config: EndpointRequest,
    ports: PortRequest[],
    exposed: string[],
  ): Promise<LiveEndpoint> {
    const ip = config.IPAMConfig?.IPv4Address || undefined;
    const ep = await this.#driver
      .connect(containerId, row.name, {
        ...(ip ? { ip } : {}),
        aliases: config.Aliases ?? [],
        ports,
      })
      .catch((err: unknown) => {
        if (isNetworkDriverError(err, 'ERR_NETWORK_NOT_FOUND')) throw networkNotFound(row.name);
        if (isNetworkDriverError(err, 'ERR_PORT_IN_USE'))
          throw new ApiError(500, `driver failed programming external connectivity: ${err.message}`);
        throw err;
      });
    return {
      EndpointID: newEndpointId(),
      IPAddress: ep.ip,
      IPPrefixLen: ep.prefixLength,
      Gateway: ep.gateway,
      MacAddress: ep.mac,
      ports: ep.ports,
      exposed,
      sandboxKey: `${this.#driver.netnsDir}/${containerId}`,
    };
  }

  /** ExtraHosts, with Docker's `host-gateway` standing for the default bridge's gateway. */
  async #extraHosts(entries: string[]): Promise<string[]> {
    if (!entries.some((e) => e.endsWith(':host-gateway'))) return entries;
    const gateway = (await this.#driver.inspectNetwork('bridge')).gateway;
    return entries.map((e) => e.replace(/:host-gateway$/, `:${gateway}`));
  }

  #liveEndpoints(networkId: string) {
    return this.#endpoints.ofNetwork(networkId).filter((e) => e.config.live);
  }

  #attachedContainers(row: NetworkRow): Record<string, NetworkContainer> {
    const live = this.#liveEndpoints(row.id);
    const names = this.#containers.names(live.map((e) => e.containerId));
    return Object.fromEntries(
      live.map((e) => {
        const l = e.config.live as LiveEndpoint;
        return [
          e.containerId,
          {
            Name: names.get(e.containerId) ?? e.containerId,
            EndpointID: l.EndpointID,
            MacAddress: l.MacAddress,
            IPv4Address: l.IPAddress ? `${l.IPAddress}/${l.IPPrefixLen}` : '',
            IPv6Address: '',
          },
        ];
      }),
    );
  }

  async #driverInfos(): Promise<Map<string, NetworkInfo>> {
    return new Map((await this.#driver.listNetworks()).map((n) => [n.name, n]));
  }

  #emitEndpoint(action: 'connect' | 'disconnect', row: NetworkRow, containerId: string): void {
    this.daemon.events.emit('network', action, row.id, {
      container: containerId,
      name: row.name,
      type: row.driver,
    });
  }
}

const emptyLive = (): LiveEndpoint => ({
  EndpointID: '',
  IPAddress: '',
  IPPrefixLen: 0,
  Gateway: '',
  MacAddress: '',
  ports: [],
  exposed: [],
  sandboxKey: '',
});
