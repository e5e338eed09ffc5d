import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { NetworkDriverError } from './errors.js';
import { run } from './exec.js';
import { macFor } from './ipam.js';
import { type DnsRedirect, renderDnsRedirect } from './nft.js';

/** What {@link LinkPlumbing.attach} does for one endpoint. */
export interface VethAttach {
  /** The container's network namespace (a file from createNetns, or /proc/<pid>/ns/net). */
  netnsPath: string;
  /** The host end, enslaved to `bridge`. */
  hostIfname: string;
  /** The container end's name inside the namespace (`eth0`, `eth1`, …). */
  containerIfname: string;
  mac: string;
  bridge: string;
  /** `ip/prefix` for the container end. */
  address: string;
  /** Adds `default via gateway` in the namespace when set. */
  defaultGateway?: string;
  /** Makes 127.0.0.11:53 in the namespace reach this embedded DNS (same in-namespace step). */
  dnsRedirect?: DnsRedirect;
}

/**
 * The kernel link operations the driver needs. Two implementations over iproute2 are here:
 * {@link batchedIp} (per attach, one shell running an `ip -batch -` on the host and one inside
 * the namespace, the default) and {@link perStepIp} (one `ip` process per step), kept to
 * measure the choice.
 */
export interface LinkPlumbing {
  createBridge(name: string, gatewayCidr: string): Promise<void>;
  deleteLink(name: string): Promise<void>;
  attach(a: VethAttach): Promise<void>;
  /** Brings `lo` up inside the namespace. */
  loopbackUp(netnsPath: string): Promise<void>;
  /** Replaces (or, with null, deletes) the default route inside the namespace. */
  setDefaultRoute(netnsPath: string, gateway: string | null): Promise<void>;
  /** Points 127.0.0.11:53 inside the namespace at another embedded DNS, or (null) removes the table. */
  setDnsRedirect(
    netnsPath: string,
    table: string,
    redirect: Omit<DnsRedirect, 'table'> | null,
  ): Promise<void>;
  /** Links of the host namespace whose names start with `prefix`. */
  listLinks(prefix: string): Promise<{ name: string; kind: string | undefined }[]>;
}

const inNetns = (netnsPath: string, args: string[]) => [`--net=${netnsPath}`, 'ip', ...args];

// A bridge takes the lowest MAC of its ports unless given one: it would change when a port
// leaves, and stale ARP entries for the gateway in the containers would blackhole their traffic.
// A bridge of that name left by an earlier daemon whose state is gone (a new data root, a wiped
// state dir) is taken over, as dockerd reuses docker0; any other kind of link is not touched.
function bridgeSteps(name: string, gatewayCidr: string): string[] {
  const mac = macFor(gatewayCidr.split('/')[0]!);
  const create = existsSync(`/sys/class/net/${name}`)
    ? [`link set ${name} address ${mac}`, `addr flush dev ${name}`]
    : [`link add ${name} address ${mac} type bridge`];
  if (create.length === 2 && !existsSync(`/sys/class/net/${name}/bridge`)) {
    throw new NetworkDriverError(
      'ERR_LINK_EXISTS',
      `a network interface named ${name} exists and is not a bridge; choose another bridge name`,
    );
  }
  return [...create, `addr add ${gatewayCidr} dev ${name}`, `link set ${name} up`];
}

const hostSteps = (a: VethAttach) => [
  `link add ${a.hostIfname} type veth peer name ${a.containerIfname} netns ${a.netnsPath} address ${a.mac}`,
  `link set ${a.hostIfname} master ${a.bridge}`,
  // Hairpin lets a container reach its own published port through the host's DNAT.
  `link set ${a.hostIfname} type bridge_slave hairpin on`,
  `link set ${a.hostIfname} up`,
];

const netnsSteps = (a: VethAttach) => [
  'link set lo up',
  `addr add ${a.address} dev ${a.containerIfname}`,
  `link set ${a.containerIfname} up`,
  ...(a.defaultGateway ? [`route replace default via ${a.defaultGateway} dev ${a.containerIfname}`] : []),
];

/** Lets DNAT from 127.0.0.1 (host-local clients of published ports) leave through the bridge. */
async function enableRouteLocalnet(bridge: string): Promise<void> {
  await writeFile(`/proc/sys/net/ipv4/conf/${bridge}/route_localnet`, '1');
}

async function listLinks(prefix: string) {
  const links = JSON.parse(await run('ip', ['-j', '-d', 'link', 'show'])) as {
    ifname: string;
    linkinfo?: { info_kind?: string };
  }[];
  return links
    .filter((l) => l.ifname.startsWith(prefix))
    .map((l) => ({ name: l.ifname, kind: l.linkinfo?.info_kind }));
}

const split = (line: string) => line.split(' ');

const ROUTE_LOCALNET = '/proc/sys/net/ipv4/conf/all/route_localnet';

/** The in-namespace part: route_localnet, the ip batch ($1), the redirect table ($2, if any). */
const IN_NETNS_SCRIPT = `if [ -n "$2" ]; then echo 1 > ${ROUTE_LOCALNET}; fi; printf '%s' "$1" | ip -batch -; if [ -n "$2" ]; then printf '%s' "$2" | nft -f -; fi`;

/**
 * A whole attach in one process started from here: a shell that runs the host's ip batch,
 * then the in-namespace part. Each process the daemon itself starts costs a fork of its
 * whole address space; the shell's own children are cheap.
 */
async function hostThenNetnsBatch(hostText: string, a: VethAttach, ipText: string): Promise<void> {
  const dnsText = a.dnsRedirect ? renderDnsRedirect(a.dnsRedirect.table, a.dnsRedirect) : '';
  const script = `printf '%s' "$1" | ip -batch -; nsenter --net="$2" sh -ec "$3" sh "$4" "$5"`;
  await run('sh', ['-ec', script, 'sh', hostText, a.netnsPath, IN_NETNS_SCRIPT, ipText, dnsText]);
}

export const batchedIp: LinkPlumbing = {
  async createBridge(name, gatewayCidr) {
    await run('ip', ['-batch', '-'], `${bridgeSteps(name, gatewayCidr).join('\n')}\n`);
    await enableRouteLocalnet(name);
  },
  async deleteLink(name) {
    await run('ip', ['link', 'del', name]);
  },
  async attach(a) {
    await hostThenNetnsBatch(`${hostSteps(a).join('\n')}\n`, a, `${netnsSteps(a).join('\n')}\n`);
  },
  async loopbackUp(netnsPath) {
    await run('nsenter', inNetns(netnsPath, ['link', 'set', 'lo', 'up']));
  },
  async setDefaultRoute(netnsPath, gateway) {
    const args = gateway
      ? ['route', 'replace', 'default', 'via', gateway]
      : ['route', 'flush', 'exact', '0/0'];
    await run('nsenter', inNetns(netnsPath, args));
  },
  async setDnsRedirect(netnsPath, table, redirect) {
    // Without the table's drop rules, route_localnet must go back off (see renderDnsRedirect).
    const sysctl = `echo ${redirect === null ? 0 : 1} > ${ROUTE_LOCALNET}`;
    await run(
      'nsenter',
      [`--net=${netnsPath}`, 'sh', '-ec', `${sysctl}; nft -f -`],
      renderDnsRedirect(table, redirect),
    );
  },
  listLinks,
};

export const perStepIp: LinkPlumbing = {
  ...batchedIp,
  async createBridge(name, gatewayCidr) {
    for (const step of bridgeSteps(name, gatewayCidr)) await run('ip', split(step));
    await enableRouteLocalnet(name);
  },
  async attach(a) {
    for (const step of hostSteps(a)) await run('ip', split(step));
    for (const step of netnsSteps(a)) await run('nsenter', inNetns(a.netnsPath, split(step)));
    if (a.dnsRedirect) await batchedIp.setDnsRedirect(a.netnsPath, a.dnsRedirect.table, a.dnsRedirect);
  },
};
