import { run } from './exec.js';
import type { State } from './state.js';

const q = (name: string) => `"${name}"`;
const set = (names: string[]) => `{ ${names.map(q).join(', ')} }`;

/**
 * The whole `ip <table>` rule set for a state: published ports (DNAT in prerouting and, for
 * clients on the host itself, output), masquerade of outbound traffic per subnet, of hairpin
 * traffic and of 127.0.0.1 clients (with route_localnet on the bridge), and isolation between
 * bridges (plus no traffic at all in or out of internal networks). It is applied as one
 * `nft -f` transaction that replaces the table, so a reader never sees half a rule set.
 */
export function renderRuleset(state: State, table: string): string {
  const networks = Object.values(state.networks).filter((n) => n.phase === 'ready');
  const head = `table ip ${table} {}\ndelete table ip ${table}\n`;
  if (networks.length === 0) return head;
  const bridgeOf = new Map(networks.map((n) => [n.name, n.bridge]));
  const dnat: string[] = [];
  const post: string[] = [];
  const forward: string[] = [];
  for (const n of networks) {
    post.push(`oifname ${q(n.bridge)} ip saddr 127.0.0.0/8 masquerade`);
    if (!n.internal) post.push(`ip saddr ${n.subnet} oifname != ${q(n.bridge)} masquerade`);
    const others = networks.filter((o) => o !== n).map((o) => o.bridge);
    if (n.internal) {
      forward.push(`iifname ${q(n.bridge)} oifname != ${q(n.bridge)} drop`);
      forward.push(`oifname ${q(n.bridge)} iifname != ${q(n.bridge)} drop`);
    } else if (others.length > 0) {
      forward.push(`iifname ${q(n.bridge)} oifname ${set(others)} drop`);
    }
  }
  for (const sb of Object.values(state.sandboxes)) {
    for (const ep of Object.values(sb.endpoints)) {
      if (!bridgeOf.has(ep.network)) continue;
      for (const m of ep.ports) {
        const daddr = m.hostIp === '0.0.0.0' ? '' : `ip daddr ${m.hostIp} `;
        dnat.push(`${daddr}${m.proto} dport ${m.hostPort} dnat to ${ep.ip}:${m.containerPort}`);
        post.push(`ip saddr ${ep.ip} ip daddr ${ep.ip} ${m.proto} dport ${m.containerPort} masquerade`);
      }
    }
  }
  const chain = (name: string, hook: string | null, rules: string[]) =>
    `  chain ${name} {\n${hook ? `    ${hook}\n` : ''}${rules.map((r) => `    ${r}\n`).join('')}  }\n`;
  return (
    head +
    `table ip ${table} {\n` +
    chain('published', null, dnat) +
    chain('prerouting', 'type nat hook prerouting priority dstnat; policy accept;', [
      'fib daddr type local jump published',
    ]) +
    chain('output', 'type nat hook output priority -100; policy accept;', [
      'fib daddr type local jump published',
    ]) +
    chain('postrouting', 'type nat hook postrouting priority srcnat; policy accept;', post) +
    chain('forward', 'type filter hook forward priority filter; policy accept;', forward) +
    '}\n'
  );
}

/** The address containers name in resolv.conf for the embedded DNS, as in Docker. */
export const EMBEDDED_DNS_ADDRESS = '127.0.0.11';

/** Where a container namespace's 127.0.0.11:53 goes: a network's embedded DNS server. */
export interface DnsRedirect {
  /** The nft table inside the container namespace. */
  table: string;
  /** The server's address (the network's gateway) and port. */
  address: string;
  port: number;
}

/**
 * The rule set inside a container namespace that makes 127.0.0.11:53 (UDP, as the server speaks
 * it) reach the embedded DNS on the gateway: DNAT in output, a masquerade of the 127.0.0.1
 * source (so the packet may leave through eth*; with route_localnet=1 in that namespace) and,
 * because route_localnet would otherwise let neighbours on the bridge reach the container's
 * loopback services, a drop of new traffic from outside with a 127.0.0.0/8 address. Replies
 * come back as from 127.0.0.11:53 by conntrack. With null, it deletes the table.
 */
export function renderDnsRedirect(table: string, r: Omit<DnsRedirect, 'table'> | null): string {
  if (r === null) return `table ip ${table} {}\ndelete table ip ${table}\n`;
  // Flush rather than delete-and-recreate: the same atomic replacement, but a table deletion
  // costs the kernel a grace period (~10 ms here), too much for every attach.
  return (
    `table ip ${table} {}\nflush table ip ${table}\n` +
    `table ip ${table} {\n` +
    '  chain output {\n' +
    '    type nat hook output priority -100; policy accept;\n' +
    `    ip daddr ${EMBEDDED_DNS_ADDRESS} udp dport 53 dnat to ${r.address}:${r.port}\n` +
    '  }\n' +
    '  chain postrouting {\n' +
    '    type nat hook postrouting priority srcnat; policy accept;\n' +
    `    ip saddr 127.0.0.0/8 ip daddr ${r.address} udp dport ${r.port} masquerade\n` +
    '  }\n' +
    '  chain input {\n' +
    '    type filter hook input priority filter; policy accept;\n' +
    '    iifname != "lo" ip saddr 127.0.0.0/8 ct direction original drop\n' +
    '    iifname != "lo" ip daddr 127.0.0.0/8 ct direction original drop\n' +
    '  }\n' +
    '}\n'
  );
}

export async function applyRuleset(text: string): Promise<void> {
  await run('nft', ['-f', '-'], text);
}
