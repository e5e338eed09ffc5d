import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NetworkDriver, type NetworkDriverOptions } from '../src/index.js';

export const isRoot = process.getuid?.() === 0;
const execFileP = promisify(execFile);

/** A unique test world: prefix `bt` + 3 hex, its own nft table, root dir and 10.X.0.0/16 block. */
export interface World {
  prefix: string;
  table: string;
  root: string;
  /** `10.X` — subnets of this world are `${net}.N.0/24`. */
  net: string;
  opts: NetworkDriverOptions;
  drivers: NetworkDriver[];
  children: ChildProcess[];
  open(extra?: Partial<NetworkDriverOptions>): Promise<NetworkDriver>;
  teardown(): Promise<void>;
}

let savedIpForward: string | null = null;

export function makeWorld(): World {
  const id = randomBytes(2).toString('hex').slice(0, 3);
  const prefix = `bt${id}`;
  const root = mkdtempSync(join(tmpdir(), 'berth-test-net-'));
  const net = `10.${100 + (parseInt(id, 16) % 150)}`;
  if (savedIpForward === null) savedIpForward = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
  const opts: NetworkDriverOptions = {
    root,
    ifPrefix: prefix,
    table: `berth_test_${id}`,
    defaultNetwork: { bridge: `${prefix}0`, subnet: `${net}.0.0/24` },
    addressPools: [{ base: `${net}.128.0/17`, size: 24 }],
    dns: { port: 53, upstreams: [] },
  };
  const w: World = {
    prefix,
    table: opts.table!,
    root,
    net,
    opts,
    drivers: [],
    children: [],
    async open(extra = {}) {
      const d = await NetworkDriver.open({ ...opts, ...extra });
      w.drivers.push(d);
      return d;
    },
    async teardown() {
      for (const c of w.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      for (const d of w.drivers) await d.close().catch(() => undefined);
      try {
        // A fresh driver on the same root removes whatever the test made, even after a failure.
        const d = await NetworkDriver.open({ ...opts, defaultNetwork: false, dns: false });
        await d.destroyAll();
      } finally {
        // Belt and braces, whether or not destroyAll worked: nothing with the prefix may survive.
        try {
          for (const name of linksWithPrefix(prefix)) {
            try {
              execFileSync('ip', ['link', 'del', name], { stdio: 'ignore' });
            } catch {
              // already gone (deleting a veth deletes its peer)
            }
          }
        } finally {
          try {
            execFileSync('nft', ['-f', '-'], {
              input: `table ip ${w.table} {}\ndelete table ip ${w.table}\n`,
            });
          } finally {
            // Netns files (and their directory's bind mount) left mounted by a failed destroyAll.
            const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
              .split('\n')
              .map((l) => l.split(' ')[4])
              .filter((m): m is string => !!m?.startsWith(`${root}/`))
              .sort((a, b) => b.length - a.length);
            for (const m of mounts) {
              try {
                execFileSync('umount', ['-l', m], { stdio: 'ignore' });
              } catch {
                // not mounted any more
              }
            }
            rmSync(root, { recursive: true, force: true });
            if (savedIpForward !== null) writeFileSync('/proc/sys/net/ipv4/ip_forward', savedIpForward);
          }
        }
      }
    },
  };
  return w;
}

export function linksWithPrefix(prefix: string): string[] {
  const links = JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' })) as {
    ifname: string;
  }[];
  return links.map((l) => l.ifname).filter((n) => n.startsWith(prefix));
}

export function nftTableExists(table: string): boolean {
  return execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' }).includes(`table ip ${table}`);
}

export function netnsMounts(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => l.split(' ')[4]?.startsWith(dir) && l.includes(' nsfs '));
}

/** Runs a command in a network namespace and returns its stdout. */
export async function inNetns(netns: string, cmd: string[], timeoutMs = 10_000): Promise<string> {
  const { stdout } = await execFileP('nsenter', [`--net=${netns}`, ...cmd], {
    timeout: timeoutMs,
    encoding: 'utf8',
  });
  return stdout;
}

export async function ping(netns: string, ip: string): Promise<boolean> {
  return inNetns(netns, ['busybox', 'ping', '-c', '1', '-W', '1', ip]).then(
    () => true,
    () => false,
  );
}

/** Runs a Node script in a namespace and returns its stdout. */
export const nodeIn = (netns: string, script: string, ...args: string[]) =>
  inNetns(netns, [process.execPath, '-e', script, ...args]);

/** A TCP (and UDP) echo-ish server in the namespace: answers `hello from <tag>`; resolves once listening. */
export function serveIn(w: World, netns: string, port: number, tag: string): Promise<void> {
  const script = `
    const net = require('node:net'), dgram = require('node:dgram');
    const [port, tag] = process.argv.slice(1);
    let n = 0;
    net.createServer((s) => { s.end('hello from ' + tag + ' to ' + s.remoteAddress); }).listen(+port, '0.0.0.0', () => { if (++n === 2) console.log('ready'); });
    const u = dgram.createSocket('udp4');
    u.on('message', (m, r) => u.send('udp ' + tag + ' ' + m, r.port, r.address));
    u.bind(+port, () => { if (++n === 2) console.log('ready'); });
  `;
  const child = spawn('nsenter', [`--net=${netns}`, process.execPath, '-e', script, String(port), tag], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  w.children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`server in ${netns} exited with ${code}`)));
  });
}

/** A TCP request from the namespace (or the host when netns is null); resolves with the reply or `ERR <code>`. */
export async function tcpRequest(netns: string | null, host: string, port: number): Promise<string> {
  const script = `
    const s = require('node:net').connect({ host: process.argv[1], port: +process.argv[2], timeout: 1500 });
    let out = '';
    s.on('data', (d) => (out += d));
    s.on('end', () => console.log(out));
    s.on('timeout', () => { console.log('ERR ETIMEDOUT'); process.exit(0); });
    s.on('error', (e) => console.log('ERR ' + e.code));
  `;
  const cmd = [process.execPath, '-e', script, host, String(port)];
  const { stdout } =
    netns === null
      ? await execFileP(cmd[0]!, cmd.slice(1), { encoding: 'utf8' })
      : await execFileP('nsenter', [`--net=${netns}`, ...cmd], { encoding: 'utf8' });
  return stdout.trim();
}

/** A UDP datagram from the host (or a namespace); resolves with the reply or `ERR timeout`. */
export async function udpRequest(
  netns: string | null,
  host: string,
  port: number,
  text: string,
): Promise<string> {
  const script = `
    const s = require('node:dgram').createSocket('udp4');
    const t = setTimeout(() => { console.log('ERR timeout'); process.exit(0); }, 1500);
    s.on('message', (m) => { console.log(String(m)); clearTimeout(t); s.close(); });
    s.send(process.argv[3], +process.argv[2], process.argv[1]);
  `;
  const cmd = [process.execPath, '-e', script, host, String(port), text];
  const { stdout } =
    netns === null
      ? await execFileP(cmd[0]!, cmd.slice(1), { encoding: 'utf8' })
      : await execFileP('nsenter', [`--net=${netns}`, ...cmd], { encoding: 'utf8' });
  return stdout.trim();
}

export { existsSync };
