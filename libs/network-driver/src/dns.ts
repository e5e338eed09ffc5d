import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import packet from 'dns-packet';

/** An upstream resolver the embedded DNS forwards unknown names to. */
export interface Upstream {
  host: string;
  port: number;
}

/** Answers a name on one network: its IPv4 addresses, or null when the name is not a container there. */
export type NameLookup = (name: string) => Promise<string[] | null>;

const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;

export function parseUpstream(text: string): Upstream {
  const m = /^(\d+\.\d+\.\d+\.\d+)(?::(\d+))?$/.exec(text);
  if (!m) throw new Error(`not an IPv4 upstream: ${text}`);
  return { host: m[1]!, port: m[2] ? Number(m[2]) : 53 };
}

/**
 * The embedded resolver of one user-defined network: a UDP server on the network's gateway
 * address (reachable from every container on the bridge; inside each attached namespace an
 * nft DNAT makes 127.0.0.11:53, which resolv.conf names, lead here) that answers A queries for container names and aliases on that network
 * and forwards everything else, unchanged, to the upstreams (the host's resolvers) in turn.
 */
export class EmbeddedDns {
  private socket: Socket | null = null;

  constructor(
    readonly address: string,
    readonly port: number,
    private readonly lookup: NameLookup,
    private readonly upstreams: () => Upstream[],
    private readonly timeoutMs = 2000,
  ) {}

  async start(): Promise<void> {
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address: this.address, port: this.port, exclusive: true }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('message', (msg, rinfo) => {
      this.answer(msg).then(
        (reply) => reply && socket.send(reply, rinfo.port, rinfo.address),
        () => undefined,
      );
    });
    socket.on('error', () => undefined);
    this.socket = socket;
  }

  async stop(): Promise<void> {
    const s = this.socket;
    this.socket = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private async answer(msg: Buffer): Promise<Buffer | null> {
    let query: packet.DecodedPacket;
    try {
      query = packet.decode(msg);
    } catch {
      return null;
    }
    const q = query.questions?.[0];
    if (!q || query.type === 'response') return null;
    const name = q.name.replace(/\.$/, '').toLowerCase();
    const ips = await this.lookup(name);
    if (ips === null) return this.forward(msg, query);
    const answers =
      q.type === 'A'
        ? ips.map((ip) => ({ type: 'A' as const, name: q.name, ttl: 600, class: 'IN' as const, data: ip }))
        : [];
    return packet.encode({
      id: query.id,
      type: 'response',
      flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | packet.AUTHORITATIVE_ANSWER,
      questions: [q],
      answers,
    });
  }

  private async forward(msg: Buffer, query: packet.Packet): Promise<Buffer> {
    for (const up of this.upstreams()) {
      const reply = await exchange(msg, up, this.timeoutMs).catch(() => null);
      if (reply) return reply;
    }
    return errorReply(query, query.questions?.length ? RCODE_SERVFAIL : RCODE_NXDOMAIN);
  }
}

function errorReply(query: packet.Packet, rcode: number): Buffer {
  return packet.encode({
    id: query.id,
    type: 'response',
    flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | rcode,
    questions: query.questions ?? [],
  });
}

/**
 * One UDP query to one upstream; resolves with the reply whose id matches and that comes from
 * that upstream's address and port, or rejects on timeout. Settles (and closes the socket) once.
 */
function exchange(msg: Buffer, up: Upstream, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const id = msg.readUInt16BE(0);
    let settled = false;
    const done = (err: Error | null, reply?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.close();
      if (err) reject(err);
      else resolve(reply!);
    };
    const timer = setTimeout(() => done(new Error(`no answer from ${up.host}:${up.port}`)), timeoutMs);
    s.on('error', (e) => done(e));
    s.on('message', (reply: Buffer, r: RemoteInfo) => {
      if (r.address !== up.host || r.port !== up.port) return;
      if (reply.length >= 2 && reply.readUInt16BE(0) === id) done(null, reply);
    });
    s.send(msg, up.port, up.host, (err) => err && done(err));
  });
}
