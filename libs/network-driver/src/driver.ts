import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createNetns, removeNetns, removeNetnsDir } from '@berth/libcontainer';
import { match, P } from 'ts-pattern';
import { EmbeddedDns, parseUpstream, type Upstream } from './dns.js';
import { isNetworkDriverError, NetworkDriverError } from './errors.js';
import { run } from './exec.js';
import { type AddressPool, allocateAddress, macFor, planNetwork } from './ipam.js';
import { type Cidr, parseCidr } from './ipv4.js';
import { batchedIp, type LinkPlumbing } from './link.js';
import { applyRuleset, EMBEDDED_DNS_ADDRESS, renderRuleset } from './nft.js';
import { type PortMapping, type PortRequest, parsePortSpec, portsClash } from './ports.js';
import { containerResolvConf, formatHosts, formatResolvConf, parseResolvConf } from './resolv.js';
import {
  type EndpointRecord,
  type NetworkRecord,
  processAlive,
  type SandboxRecord,
  type State,
  StateStore,
} from './state.js';

export interface NetworkDriverOptions {
  /** Persistent state (the network and endpoint records). */
  root: string;
  /** Runtime files: netns files under `netns/`, generated hosts/resolv.conf under `containers/`. Default `<root>/run`. */
  runRoot?: string;
  /** Prefix of every veth and generated bridge name, at most 6 characters. Default `berth`. */
  ifPrefix?: string;
  /** The nftables table (family ip) holding all rules. Default `berth`. */
  table?: string;
  /** The default network, made on open if missing; `false` for none. Default: `bridge` on `berth0`, 172.30.0.0/16. */
  defaultNetwork?: false | { name?: string; bridge?: string; subnet?: string; gateway?: string };
  /** Where subnets of networks that name none come from. Default 172.31.0.0/16 in /24s. */
  addressPools?: AddressPool[];
  /** The embedded DNS of user-defined networks; `false` turns it off. */
  dns?: false | { upstreams?: string[]; port?: number };
  /** Default `/etc/resolv.conf`. */
  hostResolvConf?: string;
  /** Default `/etc/hosts` (given to host-mode containers). */
  hostHosts?: string;
  /** Turn on net.ipv4.ip_forward when a non-internal network exists (Docker does). Default true. */
  ipForward?: boolean;
  /** @internal The link implementation (benchmarks compare them). */
  links?: LinkPlumbing;
}

export interface CreateNetworkOptions {
  name: string;
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  /** No outbound NAT and no traffic to or from other networks or the outside. */
  internal?: boolean;
  /** Bridge name (default: prefix + `b` + random hex). */
  bridge?: string;
}

export interface NetworkInfo {
  id: string;
  name: string;
  bridge: string;
  subnet: string;
  gateway: string;
  ipRange: string;
  internal: boolean;
  isDefault: boolean;
  endpoints: { sandbox: string; ip: string; mac: string }[];
}

/** `none`, `host`, `bridge`, or `container:<sandbox id>` (Docker's `--network` values). */
export type NetworkMode = 'none' | 'host' | 'bridge' | `container:${string}`;

export interface CreateSandboxOptions {
  mode: NetworkMode;
  /** Container name (resolvable by the embedded DNS). Default: the id. */
  name?: string;
  /** Default: the first 12 characters of the id. */
  hostname?: string;
  /**
   * Spare the process that brings `lo` up. Bridge mode: the first connect's in-namespace step
   * does it anyway (for callers that connect right after). None mode: for callers whose
   * runtime brings `lo` up in the namespaces it joins (Berth's monitor does, as runc does in
   * the ones it makes).
   */
  deferLoopback?: boolean;
}

export interface SandboxInfo {
  id: string;
  mode: NetworkMode;
  /** Put it in the runtime spec as `{type: 'network', path}`; null for host mode (no network namespace). */
  netnsPath: string | null;
}

export interface ConnectOptions {
  /** A static address on the network. */
  ip?: string;
  /** More names the embedded DNS answers for this container on this network. */
  aliases?: string[];
  /** Published ports: Docker `-p` strings or parsed requests. */
  ports?: (string | PortRequest)[];
}

export interface EndpointInfo {
  network: string;
  ip: string;
  prefixLength: number;
  gateway: string;
  mac: string;
  hostIfname: string;
  containerIfname: string;
  ports: PortMapping[];
}

export interface ContainerFiles {
  hosts: string;
  hostname: string;
  resolvConf: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
const RANDOM_PORTS: [number, number] = [49153, 60999];

const invalid = (msg: string) => new NetworkDriverError('ERR_INVALID_ARGUMENT', msg);
const hex = (n: number) =>
  randomBytes(Math.ceil(n / 2))
    .toString('hex')
    .slice(0, n);
const ignoreMissingLink = (err: unknown) => {
  if (!(isNetworkDriverError(err, 'ERR_COMMAND_FAILED') && /Cannot find device/.test(err.message))) throw err;
};

/**
 * Gives containers their network: a network namespace per sandbox (its path goes into the runtime
 * spec), bridge networks with persistent IPAM, veth endpoints, nftables NAT, isolation and
 * published ports, generated /etc/hosts, /etc/hostname and /etc/resolv.conf, and an embedded DNS
 * resolver on user-defined networks. Every kernel object is recorded in the state before it is
 * made; {@link NetworkDriver.open} removes what a crash left behind.
 */
export class NetworkDriver {
  readonly runRoot: string;
  readonly netnsDir: string;
  readonly ifPrefix: string;
  readonly table: string;
  private readonly store: StateStore;
  private readonly links: LinkPlumbing;
  private readonly dnsServers = new Map<string, EmbeddedDns>();
  private closed = false;

  private constructor(private readonly opts: NetworkDriverOptions) {
    this.runRoot = opts.runRoot ?? join(opts.root, 'run');
    this.netnsDir = join(this.runRoot, 'netns');
    this.ifPrefix = opts.ifPrefix ?? 'berth';
    this.table = opts.table ?? 'berth';
    if (!/^[a-z][a-z0-9]{0,5}$/.test(this.ifPrefix)) {
      throw invalid(`ifPrefix ${JSON.stringify(this.ifPrefix)} must be 1-6 lowercase letters/digits`);
    }
    if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(this.table)) {
      throw invalid(`table ${JSON.stringify(this.table)} is not a plain nft identifier`);
    }
    this.store = new StateStore(opts.root);
    this.links = opts.links ?? batchedIp;
  }

  /** Opens the driver on `root`: cleans up after a crash, makes the default network, starts the DNS servers. */
  static async open(opts: NetworkDriverOptions): Promise<NetworkDriver> {
    const d = new NetworkDriver(opts);
    await d.recover();
    if (opts.defaultNetwork !== false) {
      const def = opts.defaultNetwork ?? {};
      const name = def.name ?? 'bridge';
      const state = await d.store.read();
      if (!state.networks[name]) {
        await d.createNetworkRecord(
          {
            name,
            bridge: def.bridge ?? `${d.ifPrefix}0`,
            subnet: def.subnet ?? '172.30.0.0/16',
            ...(def.gateway ? { gateway: def.gateway } : {}),
          },
          true,
        );
      }
    }
    await d.startDnsServers();
    return d;
  }

  // ---------------------------------------------------------------- networks

  async createNetwork(options: CreateNetworkOptions): Promise<NetworkInfo> {
    return this.createNetworkRecord(options, false);
  }

  private async createNetworkRecord(options: CreateNetworkOptions, isDefault: boolean): Promise<NetworkInfo> {
    if (!NAME.test(options.name)) throw invalid(`invalid network name ${JSON.stringify(options.name)}`);
    const bridge = options.bridge ?? `${this.ifPrefix}b${hex(14 - this.ifPrefix.length)}`;
    if (!IFNAME.test(bridge))
      throw invalid(`invalid bridge name ${JSON.stringify(bridge)} (max 15 characters)`);
    const hostRoutes = options.subnet === undefined ? await this.hostRoutes() : [];
    const pools = this.opts.addressPools ?? [{ base: '172.31.0.0/16', size: 24 }];
    const net = await this.store.transact((s) => {
      if (s.networks[options.name]) {
        throw new NetworkDriverError('ERR_NETWORK_EXISTS', `network ${options.name} already exists`);
      }
      const sameBridge = Object.values(s.networks).find((n) => n.bridge === bridge);
      if (sameBridge) {
        throw new NetworkDriverError(
          'ERR_NETWORK_EXISTS',
          `bridge ${bridge} already belongs to network ${sameBridge.name}`,
        );
      }
      const plan = planNetwork(options, s, pools, hostRoutes);
      const rec: NetworkRecord = {
        id: randomBytes(32).toString('hex'),
        name: options.name,
        bridge,
        ...plan,
        internal: options.internal ?? false,
        isDefault,
        dns: !isDefault,
        phase: 'creating',
        pid: process.pid,
        lastAllocated: null,
        created: new Date().toISOString(),
      };
      s.networks[rec.name] = rec;
      return rec;
    });
    try {
      await this.links.createBridge(bridge, `${net.gateway}/${parseCidr(net.subnet).prefix}`);
      if (!net.internal) await this.enableIpForward();
      await this.store.transact(async (s) => {
        s.networks[net.name]!.phase = 'ready';
        await applyRuleset(renderRuleset(s, this.table));
      });
    } catch (err) {
      // Someone else's interface of that name is not ours to delete.
      if (!isNetworkDriverError(err, 'ERR_LINK_EXISTS')) {
        await this.links.deleteLink(bridge).catch(() => undefined);
      }
      await this.store.transact((s) => {
        delete s.networks[net.name];
      });
      throw err;
    }
    net.phase = 'ready';
    if (net.dns) await this.startDns(net);
    return this.networkInfo(await this.store.read(), net);
  }

  /** Removes a network and its bridge; refused (ERR_NETWORK_IN_USE) while a sandbox is connected. */
  async removeNetwork(name: string, options: { allowDefault?: boolean } = {}): Promise<void> {
    const net = await this.store.transact(async (s) => {
      const n = this.mustNetwork(s, name);
      if (n.isDefault && !options.allowDefault) {
        throw new NetworkDriverError(
          'ERR_NETWORK_IN_USE',
          `${name} is the default network and cannot be removed`,
        );
      }
      const users = Object.values(s.sandboxes).filter((sb) => sb.endpoints[name]);
      if (users.length > 0) {
        throw new NetworkDriverError(
          'ERR_NETWORK_IN_USE',
          `network ${name} has ${users.length} connected sandbox(es): ${users.map((u) => u.id).join(', ')}`,
        );
      }
      n.phase = 'creating'; // no longer ready: connects are refused, rules left out
      n.pid = process.pid;
      await applyRuleset(renderRuleset(s, this.table));
      return n;
    });
    await this.stopDns(name);
    await this.links.deleteLink(net.bridge).catch(ignoreMissingLink);
    await this.store.transact((s) => {
      delete s.networks[name];
    });
  }

  async listNetworks(): Promise<NetworkInfo[]> {
    const s = await this.store.read();
    return Object.values(s.networks)
      .filter((n) => n.phase === 'ready')
      .map((n) => this.networkInfo(s, n));
  }

  async inspectNetwork(name: string): Promise<NetworkInfo> {
    const s = await this.store.read();
    return this.networkInfo(s, this.mustNetwork(s, name));
  }

  private networkInfo(s: State, n: NetworkRecord): NetworkInfo {
    const endpoints = Object.values(s.sandboxes)
      .filter((sb) => sb.endpoints[n.name])
      .map((sb) => ({ sandbox: sb.id, ip: sb.endpoints[n.name]!.ip, mac: sb.endpoints[n.name]!.mac }));
    const { id, name, bridge, subnet, gateway, ipRange, internal, isDefault } = n;
    return { id, name, bridge, subnet, gateway, ipRange, internal, isDefault, endpoints };
  }

  private mustNetwork(s: State, name: string): NetworkRecord {
    const n = s.networks[name];
    if (!n || n.phase !== 'ready') {
      throw new NetworkDriverError('ERR_NETWORK_NOT_FOUND', `network ${name} not found`);
    }
    return n;
  }

  // ---------------------------------------------------------------- sandboxes

  /** Makes a container's network sandbox; for `bridge`, connect it to networks afterwards. */
  async createSandbox(id: string, options: CreateSandboxOptions): Promise<SandboxInfo> {
    if (!NAME.test(id)) throw invalid(`invalid sandbox id ${JSON.stringify(id)}`);
    const rec = await this.store.transact((s) => {
      if (s.sandboxes[id]) throw new NetworkDriverError('ERR_SANDBOX_EXISTS', `sandbox ${id} already exists`);
      const base = {
        id,
        name: options.name ?? id,
        hostname: options.hostname ?? id.slice(0, 12),
        sharedWith: null,
        gatewayNetwork: null,
        endpoints: {},
      };
      const r: SandboxRecord = match(options.mode as string)
        .with('host', () => ({ ...base, mode: 'host' as const, netnsPath: null, ownsNetns: false }))
        .with(P.union('none', 'bridge'), (mode) => ({
          ...base,
          mode,
          netnsPath: join(this.netnsDir, id),
          ownsNetns: true,
        }))
        .with(P.string.startsWith('container:'), (m) => {
          const target = this.mustSandbox(s, m.slice('container:'.length));
          if (target.netnsPath === null) {
            throw invalid(`sandbox ${target.id} uses the host network; use mode host instead`);
          }
          return {
            ...base,
            mode: 'container' as const,
            netnsPath: target.netnsPath,
            ownsNetns: false,
            sharedWith: target.sharedWith ?? target.id,
          };
        })
        .otherwise((m) => {
          throw invalid(`unknown network mode ${JSON.stringify(m)}`);
        });
      s.sandboxes[id] = r;
      return r;
    });
    if (rec.ownsNetns) {
      try {
        createNetns(rec.netnsPath!);
        if (!options.deferLoopback) await this.links.loopbackUp(rec.netnsPath!);
      } catch (err) {
        await this.dropSandbox(rec);
        throw err;
      }
    }
    return { id, mode: options.mode, netnsPath: rec.netnsPath };
  }

  /** Disconnects a sandbox from all networks and removes its namespace (if it made it) and files. */
  async removeSandbox(id: string): Promise<void> {
    const s = await this.store.read();
    const rec = this.mustSandbox(s, id);
    const sharers = Object.values(s.sandboxes).filter((o) => o.sharedWith === id);
    if (sharers.length > 0) {
      throw new NetworkDriverError(
        'ERR_SANDBOX_IN_USE',
        `sandbox ${id} shares its network namespace with ${sharers.map((o) => o.id).join(', ')}`,
      );
    }
    for (const network of Object.keys(rec.endpoints)) await this.disconnect(id, network);
    await this.dropSandbox(rec);
  }

  private async dropSandbox(rec: SandboxRecord): Promise<void> {
    if (rec.ownsNetns && rec.netnsPath && existsSync(rec.netnsPath)) removeNetns(rec.netnsPath);
    await rm(join(this.runRoot, 'containers', rec.id), { recursive: true, force: true });
    await this.store.transact((s) => {
      delete s.sandboxes[rec.id];
    });
  }

  private mustSandbox(s: State, id: string): SandboxRecord {
    const sb = s.sandboxes[id];
    if (!sb) throw new NetworkDriverError('ERR_SANDBOX_NOT_FOUND', `sandbox ${id} not found`);
    return sb;
  }

  // ---------------------------------------------------------------- endpoints

  /** Connects a bridge-mode sandbox to a network: veth pair, address, default route (first network), ports. */
  async connect(id: string, network: string, options: ConnectOptions = {}): Promise<EndpointInfo> {
    const requests = (options.ports ?? []).flatMap((p) => (typeof p === 'string' ? parsePortSpec(p) : [p]));
    for (const a of options.aliases ?? [])
      if (!NAME.test(a)) throw invalid(`invalid alias ${JSON.stringify(a)}`);
    const { ep, sb, net, defaultGateway, dnsRedirect } = await this.store.transact(async (s) => {
      const sb = this.mustSandbox(s, id);
      if (sb.mode !== 'bridge') {
        throw new NetworkDriverError(
          'ERR_NOT_SUPPORTED',
          `sandbox ${id} is in ${sb.mode} mode; only bridge mode connects`,
        );
      }
      const net = this.mustNetwork(s, network);
      if (sb.endpoints[network]) {
        throw new NetworkDriverError(
          'ERR_ENDPOINT_EXISTS',
          `sandbox ${id} is already connected to ${network}`,
        );
      }
      const ip = allocateAddress(s, net, options.ip);
      const ports = await this.resolvePorts(s, requests);
      const usedIfnames = new Set(Object.values(sb.endpoints).map((e) => e.containerIfname));
      let n = 0;
      while (usedIfnames.has(`eth${n}`)) n++;
      const ep: EndpointRecord = {
        network,
        ip,
        mac: macFor(ip),
        hostIfname: `${this.ifPrefix}v${hex(14 - this.ifPrefix.length)}`,
        containerIfname: `eth${n}`,
        aliases: options.aliases ?? [],
        ports,
        phase: 'creating',
        pid: process.pid,
      };
      let defaultGateway: string | undefined;
      if (sb.gatewayNetwork === null && !net.internal) {
        sb.gatewayNetwork = network;
        defaultGateway = net.gateway;
      }
      // 127.0.0.11 goes to the first DNS network the sandbox joined (the one resolv.conf is for).
      const dnsRedirect = this.dnsNetworkOf(s, sb) ? undefined : this.dnsRedirectTo(net);
      sb.endpoints[network] = ep;
      return { ep, sb, net, defaultGateway, dnsRedirect };
    });
    try {
      await this.links.attach({
        netnsPath: sb.netnsPath!,
        hostIfname: ep.hostIfname,
        containerIfname: ep.containerIfname,
        mac: ep.mac,
        bridge: net.bridge,
        address: `${ep.ip}/${parseCidr(net.subnet).prefix}`,
        ...(defaultGateway ? { defaultGateway } : {}),
        ...(dnsRedirect ? { dnsRedirect: { table: this.table, ...dnsRedirect } } : {}),
      });
      await this.store.transact(async (s) => {
        s.sandboxes[id]!.endpoints[network]!.phase = 'ready';
        if (ep.ports.length > 0) await applyRuleset(renderRuleset(s, this.table));
      });
    } catch (err) {
      await this.links.deleteLink(ep.hostIfname).catch(() => undefined);
      await this.store.transact((s) => {
        const cur = s.sandboxes[id];
        if (cur) {
          delete cur.endpoints[network];
          if (cur.gatewayNetwork === network) cur.gatewayNetwork = null;
        }
      });
      throw err;
    }
    return {
      network,
      ip: ep.ip,
      prefixLength: parseCidr(net.subnet).prefix,
      gateway: net.gateway,
      mac: ep.mac,
      hostIfname: ep.hostIfname,
      containerIfname: ep.containerIfname,
      ports: ep.ports,
    };
  }

  /** Removes a sandbox's endpoint on a network (its veth, address, rules) and releases the address. */
  async disconnect(id: string, network: string): Promise<void> {
    const s0 = await this.store.read();
    const ep = this.mustSandbox(s0, id).endpoints[network];
    if (!ep)
      throw new NetworkDriverError('ERR_ENDPOINT_NOT_FOUND', `sandbox ${id} is not connected to ${network}`);
    await this.links.deleteLink(ep.hostIfname).catch(ignoreMissingLink);
    const { reroute, redns } = await this.store.transact(async (s) => {
      const sb = s.sandboxes[id];
      if (!sb?.endpoints[network]) return { reroute: null, redns: null };
      const wasDnsTarget = this.dnsNetworkOf(s, sb)?.name === network;
      delete sb.endpoints[network];
      if (ep.ports.length > 0) await applyRuleset(renderRuleset(s, this.table));
      const nextDns = this.dnsNetworkOf(s, sb);
      const redns =
        wasDnsTarget && sb.netnsPath
          ? { netnsPath: sb.netnsPath, to: (nextDns && this.dnsRedirectTo(nextDns)) ?? null }
          : null;
      if (sb.gatewayNetwork !== network) return { reroute: null, redns };
      const next = Object.values(sb.endpoints)
        .map((e) => s.networks[e.network])
        .find((n) => n && !n.internal);
      sb.gatewayNetwork = next?.name ?? null;
      const reroute = next && sb.netnsPath ? { netnsPath: sb.netnsPath, gateway: next.gateway } : null;
      return { reroute, redns };
    });
    if (reroute) await this.links.setDefaultRoute(reroute.netnsPath, reroute.gateway);
    if (redns) await this.links.setDnsRedirect(redns.netnsPath, this.table, redns.to);
  }

  /** The network whose embedded DNS answers a sandbox at 127.0.0.11: its first one with DNS. */
  private dnsNetworkOf(s: State, sb: SandboxRecord): NetworkRecord | undefined {
    if (this.opts.dns === false) return undefined;
    return Object.values(sb.endpoints)
      .map((e) => s.networks[e.network])
      .find((n) => n?.dns);
  }

  private dnsRedirectTo(net: NetworkRecord): { address: string; port: number } | undefined {
    if (this.opts.dns === false || !net.dns) return undefined;
    return { address: net.gateway, port: this.opts.dns?.port ?? 53 };
  }

  private async resolvePorts(s: State, requests: PortRequest[]): Promise<PortMapping[]> {
    const taken: PortMapping[] = Object.values(s.sandboxes).flatMap((sb) =>
      Object.values(sb.endpoints).flatMap((e) => e.ports),
    );
    const out: PortMapping[] = [];
    for (const r of requests) {
      const [lo, hi] = r.hostPorts ?? RANDOM_PORTS;
      const span = hi - lo + 1;
      const offset = r.hostPorts ? 0 : Math.floor(Math.random() * span);
      let chosen: PortMapping | null = null;
      for (let i = 0; i < span && !chosen; i++) {
        const hostPort = lo + ((offset + i) % span);
        const m = { proto: r.proto, hostIp: r.hostIp, hostPort, containerPort: r.containerPort };
        if ([...taken, ...out].some((t) => portsClash(m, t))) continue;
        if (!(await portFree(m))) continue;
        chosen = m;
      }
      if (!chosen) {
        const what = r.hostPorts
          ? `${r.hostIp}:${lo === hi ? lo : `${lo}-${hi}`}/${r.proto}`
          : 'any random port';
        throw new NetworkDriverError('ERR_PORT_IN_USE', `cannot publish ${what}: already in use`);
      }
      out.push(chosen);
    }
    return out;
  }

  // ---------------------------------------------------------------- files

  /**
   * Where writeContainerFiles put a container's files, if it did: for a process that restarted
   * while the container kept running and needs their paths again.
   */
  containerFiles(id: string): ContainerFiles | undefined {
    const files = this.containerFilePaths(id);
    return Object.values(files).every((f) => existsSync(f)) ? files : undefined;
  }

  private containerFilePaths(id: string): ContainerFiles {
    const dir = join(this.runRoot, 'containers', id);
    return {
      hosts: join(dir, 'hosts'),
      hostname: join(dir, 'hostname'),
      resolvConf: join(dir, 'resolv.conf'),
    };
  }

  /**
   * Writes the container's /etc/hosts, /etc/hostname and /etc/resolv.conf under
   * `<runRoot>/containers/<id>/` (for the engine to bind-mount) and returns their paths. On a
   * user-defined network with the embedded DNS, resolv.conf names 127.0.0.11, which the
   * sandbox's namespace redirects to that network's resolver. Call it again after a connect or
   * disconnect: files already there are rewritten in place, so a running container sees them.
   */
  async writeContainerFiles(id: string, options: { extraHosts?: string[] } = {}): Promise<ContainerFiles> {
    const s = await this.store.read();
    const sb = this.mustSandbox(s, id);
    const owner = sb.sharedWith ? (s.sandboxes[sb.sharedWith] ?? sb) : sb;
    const hostResolv = parseResolvConf(
      await readFile(this.opts.hostResolvConf ?? '/etc/resolv.conf', 'utf8'),
    );
    let hosts: string;
    let resolv: string;
    if (sb.mode === 'host') {
      hosts = await readFile(this.opts.hostHosts ?? '/etc/hosts', 'utf8');
      resolv = formatResolvConf(hostResolv);
    } else {
      const extra = (options.extraHosts ?? []).map((e) => {
        const i = e.lastIndexOf(':');
        if (i < 1) throw invalid(`extra host ${JSON.stringify(e)} is not name:ip`);
        return { ip: e.slice(i + 1), names: [e.slice(0, i)] };
      });
      const own = Object.values(owner.endpoints).map((e) => ({
        ip: e.ip,
        names: [...new Set([sb.hostname, sb.name])],
      }));
      hosts = formatHosts([...own, ...extra]);
      const conf = containerResolvConf(hostResolv);
      const dnsNet = this.dnsNetworkOf(s, owner);
      resolv = formatResolvConf(dnsNet ? { ...conf, nameservers: [EMBEDDED_DNS_ADDRESS] } : conf);
    }
    await mkdir(join(this.runRoot, 'containers', id), { recursive: true });
    const files = this.containerFilePaths(id);
    await Promise.all([
      writeContainerFile(files.hosts, hosts),
      writeContainerFile(files.hostname, `${sb.hostname}\n`),
      writeContainerFile(files.resolvConf, resolv),
    ]);
    return files;
  }

  // ---------------------------------------------------------------- DNS

  private upstreams(): Upstream[] {
    const dns = this.opts.dns;
    const upstreams = dns === false ? undefined : dns?.upstreams;
    if (upstreams) return upstreams.map(parseUpstream);
    const host = parseResolvConf(readFileSync(this.opts.hostResolvConf ?? '/etc/resolv.conf', 'utf8'));
    return host.nameservers
      .filter((ns) => /^\d+\.\d+\.\d+\.\d+$/.test(ns))
      .map((ns) => ({ host: ns, port: 53 }));
  }

  private async startDnsServers(): Promise<void> {
    const s = await this.store.read();
    for (const n of Object.values(s.networks)) if (n.phase === 'ready' && n.dns) await this.startDns(n);
  }

  private async startDns(net: NetworkRecord): Promise<void> {
    if (this.opts.dns === false || this.closed || this.dnsServers.has(net.name)) return;
    const lookup = async (qname: string) => {
      const s = await this.store.read();
      const ips: string[] = [];
      for (const sb of Object.values(s.sandboxes)) {
        const ep = sb.endpoints[net.name];
        if (!ep || ep.phase !== 'ready') continue;
        const names = [sb.name, sb.hostname, sb.id.slice(0, 12), ...ep.aliases].map((x) => x.toLowerCase());
        if (names.includes(qname)) ips.push(ep.ip);
      }
      return ips.length > 0 ? ips : null;
    };
    const server = new EmbeddedDns(net.gateway, this.opts.dns?.port ?? 53, lookup, () => this.upstreams());
    try {
      await server.start();
    } catch (err) {
      // Another driver process on the same root already serves this network.
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') return;
      throw err;
    }
    this.dnsServers.set(net.name, server);
  }

  private async stopDns(name: string): Promise<void> {
    const server = this.dnsServers.get(name);
    this.dnsServers.delete(name);
    await server?.stop();
  }

  /** The addresses the embedded DNS servers of this process listen on, by network. */
  dnsAddresses(): Record<string, string> {
    return Object.fromEntries(
      [...this.dnsServers].map(([name, srv]) => [name, `${srv.address}:${srv.port}`]),
    );
  }

  // ---------------------------------------------------------------- lifecycle

  /** Stops the DNS servers. Kernel objects stay (containers keep their network). */
  async close(): Promise<void> {
    this.closed = true;
    for (const name of [...this.dnsServers.keys()]) await this.stopDns(name);
  }

  /**
   * Removes everything this driver made: sandboxes, networks (the default one too), the nft
   * table, the netns directory and the runtime files. For uninstall and tests.
   */
  async destroyAll(): Promise<void> {
    const s = await this.store.read();
    const order = Object.values(s.sandboxes).sort((a, b) => Number(!!b.sharedWith) - Number(!!a.sharedWith));
    for (const sb of order) await this.removeSandbox(sb.id);
    for (const n of Object.values(s.networks)) {
      if (n.phase === 'ready') await this.removeNetwork(n.name, { allowDefault: true });
    }
    await this.recover();
    await applyRuleset(renderRuleset({ version: 1, networks: {}, sandboxes: {} }, this.table));
    if (existsSync(this.netnsDir)) removeNetnsDir(this.netnsDir);
    await this.close();
    await rm(this.runRoot, { recursive: true, force: true });
  }

  /**
   * Start-up cleanup: rolls back what a dead process left half-made (networks and endpoints in
   * the `creating` phase), drops endpoints whose veth is gone (their namespace died), deletes
   * veths and bridges with the driver's prefix that no record names, unmounts netns files no
   * sandbox owns, recreates missing bridges of recorded networks (after a reboot) and re-applies
   * the rule set.
   */
  async recover(): Promise<void> {
    const doomed: string[] = [];
    const recreate: NetworkRecord[] = [];
    await this.store.transact(async (s) => {
      const links = await this.links.listLinks('');
      const present = new Set(links.map((l) => l.name));
      const known = new Set<string>();
      for (const n of Object.values(s.networks)) {
        if (n.phase === 'creating' && !(n.pid === process.pid || processAlive(n.pid))) {
          delete s.networks[n.name];
          doomed.push(n.bridge);
          continue;
        }
        known.add(n.bridge);
        if (n.phase === 'ready' && !present.has(n.bridge)) recreate.push(n);
      }
      for (const sb of Object.values(s.sandboxes)) {
        for (const ep of Object.values(sb.endpoints)) {
          const live = ep.phase === 'creating' && (ep.pid === process.pid || processAlive(ep.pid));
          if (live || (ep.phase === 'ready' && present.has(ep.hostIfname) && s.networks[ep.network])) {
            known.add(ep.hostIfname);
            continue;
          }
          delete sb.endpoints[ep.network];
          if (sb.gatewayNetwork === ep.network) sb.gatewayNetwork = null;
          if (present.has(ep.hostIfname)) doomed.push(ep.hostIfname);
        }
      }
      for (const l of links) {
        if (
          l.name.startsWith(this.ifPrefix) &&
          (l.kind === 'veth' || l.kind === 'bridge') &&
          !known.has(l.name)
        ) {
          doomed.push(l.name);
        }
      }
      // Veths first, so that no bridge is deleted with ports still on it.
      doomed.sort(
        (a, b) => Number(b.startsWith(`${this.ifPrefix}v`)) - Number(a.startsWith(`${this.ifPrefix}v`)),
      );
      for (const name of new Set(doomed)) await this.links.deleteLink(name).catch(ignoreMissingLink);
      for (const n of recreate) {
        await this.links.createBridge(n.bridge, `${n.gateway}/${parseCidr(n.subnet).prefix}`);
        if (!n.internal) await this.enableIpForward();
      }
      if (existsSync(this.netnsDir)) {
        const owned = new Set(
          Object.values(s.sandboxes)
            .filter((sb) => sb.ownsNetns && sb.netnsPath)
            .map((sb) => sb.netnsPath),
        );
        for (const f of readdirSync(this.netnsDir)) {
          const path = join(this.netnsDir, f);
          if (!owned.has(path)) removeNetns(path);
        }
      }
      if (Object.keys(s.networks).length > 0) await applyRuleset(renderRuleset(s, this.table));
    });
  }

  private async enableIpForward(): Promise<void> {
    if (this.opts.ipForward === false) return;
    await writeFile('/proc/sys/net/ipv4/ip_forward', '1');
  }

  private async hostRoutes(): Promise<Cidr[]> {
    const routes = JSON.parse(await run('ip', ['-j', '-4', 'route', 'show', 'table', 'all'])) as {
      dst: string;
    }[];
    return routes
      .map((r) => r.dst)
      .filter((d) => d && d !== 'default')
      .map((d) => {
        try {
          return parseCidr(d.includes('/') ? d : `${d}/32`);
        } catch {
          return null;
        }
      })
      .filter((c): c is Cidr => c !== null && c.prefix > 0);
  }
}

/**
 * A running container has these files bind-mounted, which pins their inodes: an update (after a
 * connect or disconnect) rewrites the same file; a new one still appears whole.
 */
async function writeContainerFile(path: string, text: string): Promise<void> {
  if (existsSync(path)) await writeFile(path, text);
  else await writeAtomically(path, text);
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, text, { mode: 0o644 });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Whether nothing on the host listens on the mapping's host socket (a listener there would be shadowed). */
function portFree(m: PortMapping): Promise<boolean> {
  return new Promise((resolve) => {
    if (m.proto === 'tcp') {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen({ host: m.hostIp, port: m.hostPort, exclusive: true }, () => srv.close(() => resolve(true)));
    } else {
      const sock = createSocket('udp4');
      sock.once('error', () => {
        sock.close();
        resolve(false);
      });
      sock.bind({ address: m.hostIp, port: m.hostPort, exclusive: true }, () =>
        sock.close(() => resolve(true)),
      );
    }
  });
}
