import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform } from 'node:stream';

/** What the proxy does with one request. */
export type ProxyAction =
  | { kind: 'pass' }
  | { kind: 'respond'; status: number; headers?: Record<string, string>; body?: string }
  /** Forward the answer's headers and `afterBytes` of its body, then drop the connection. */
  | { kind: 'cut-response'; afterBytes: number }
  /** Forward the answer with the byte at `atByte` flipped. */
  | { kind: 'corrupt-response'; atByte: number }
  /** Forward `afterBytes` of the request body, then drop both connections. */
  | { kind: 'cut-request'; afterBytes: number }
  /** Wait before forwarding. */
  | { kind: 'delay'; ms: number };

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  /** The action taken. */
  action: ProxyAction['kind'];
}

export type ProxyRule = (req: IncomingMessage, seen: SeenRequest[]) => ProxyAction | undefined;

export interface ProxyHandle {
  host: string;
  url: string;
  requests: SeenRequest[];
  stop(): Promise<void>;
}

/**
 * A loopback HTTP proxy in front of a registry that can misbehave on purpose. The Host header is
 * forwarded as is, so the registry builds upload Locations that point back at the proxy.
 */
export async function startProxy(upstream: string, rule: ProxyRule = () => undefined): Promise<ProxyHandle> {
  const target = new URL(upstream);
  const requests: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const action = rule(req, requests) ?? { kind: 'pass' };
    requests.push({ method: req.method!, url: req.url!, headers: req.headers, action: action.kind });
    handle(req, res, action).catch(() => res.socket?.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse, action: ProxyAction): Promise<void> {
    if (action.kind === 'respond') {
      req.resume();
      res.writeHead(action.status, action.headers);
      res.end(action.body ?? '');
      return;
    }
    if (action.kind === 'delay') await new Promise((r) => setTimeout(r, action.ms));
    const out = request({
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    });
    out.on('error', () => res.socket?.destroy());
    out.on('response', (up) => {
      res.writeHead(up.statusCode!, up.headers);
      let seen = 0;
      const shape = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          if (action.kind === 'cut-response' && seen >= action.afterBytes) return cb(); // already cut
          const start = seen;
          seen += chunk.length;
          if (action.kind === 'corrupt-response' && action.atByte >= start && action.atByte < seen) {
            chunk = Buffer.from(chunk);
            chunk[action.atByte - start]! ^= 0xff;
          }
          if (action.kind === 'cut-response' && seen >= action.afterBytes) {
            cb(null, chunk.subarray(0, action.afterBytes - start));
            setImmediate(() => {
              up.destroy();
              res.socket?.end();
              res.socket?.destroySoon?.();
            });
            return;
          }
          cb(null, chunk);
        },
      });
      up.pipe(shape).pipe(res);
    });
    if (action.kind === 'cut-request') {
      let sent = 0;
      req.on('data', (chunk: Buffer) => {
        if (sent >= action.afterBytes) return;
        const part = chunk.subarray(0, action.afterBytes - sent);
        sent += part.length;
        out.write(part);
        if (sent >= action.afterBytes) {
          setTimeout(() => {
            out.destroy();
            req.socket.destroy();
          }, 50);
        }
      });
      return;
    }
    req.pipe(out);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Matches requests for one blob's bytes. */
export const isBlobGet = (req: IncomingMessage, digest: string) =>
  req.method === 'GET' && req.url!.split('?')[0]!.endsWith(`/blobs/${digest}`);
