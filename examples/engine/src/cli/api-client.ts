import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CliError, DaemonError } from './errors.js';

/** The newest Engine API version this client speaks. */
export const CLIENT_API_VERSION = '1.55';

export type QueryValue = string | number | boolean | undefined | null | string[];

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** A JSON body. */
  body?: unknown;
  /** A raw body streamed as is (image tarballs). */
  upload?: Readable;
  contentType?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export function compareApiVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

/** The Engine API over HTTP/1.1 on the daemon's Unix socket. */
export class ApiClient {
  #version: Promise<string> | undefined;

  constructor(
    readonly socketPath: string,
    /** A version the user pinned (`BERTH_API_VERSION`); otherwise negotiated with `/_ping`. */
    readonly pinnedVersion?: string,
  ) {}

  get host(): string {
    return `unix://${this.socketPath}`;
  }

  /** The API version both sides speak: the lower of the daemon's and ours, asked once. */
  apiVersion(): Promise<string> {
    this.#version ??= this.pinnedVersion ? Promise.resolve(this.pinnedVersion) : this.#negotiate();
    return this.#version;
  }

  async #negotiate(): Promise<string> {
    const res = await this.#send('GET', '/_ping', {});
    res.resume();
    const server = res.headers['api-version'];
    if (typeof server !== 'string' || !/^\d+\.\d+$/.test(server)) return CLIENT_API_VERSION;
    return compareApiVersions(server, CLIENT_API_VERSION) < 0 ? server : CLIENT_API_VERSION;
  }

  /** Sends a request on the negotiated version; rejects with the daemon's message on an error status. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<IncomingMessage> {
    const version = await this.apiVersion();
    const res = await this.#send(method, `/v${version}${path}${queryString(options.query)}`, options);
    if ((res.statusCode ?? 500) >= 400) throw await daemonError(res);
    return res;
  }

  /** A request whose answer is one JSON document (or nothing). */
  async json<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const res = await this.request(method, path, options);
    const text = await readText(res);
    return (text.trim() === '' ? undefined : JSON.parse(text)) as T;
  }

  /** A request whose answer's body does not matter. Answers the status (304: nothing to do). */
  async call(method: string, path: string, options: RequestOptions = {}): Promise<number> {
    const res = await this.request(method, path, options);
    res.resume();
    await new Promise((resolve) => res.once('end', resolve).once('close', resolve));
    return res.statusCode ?? 0;
  }

  /**
   * Takes the connection over for a bidirectional stream (attach, exec start): `Upgrade: tcp`, and after
   * the daemon's `101` the socket carries the container's streams both ways.
   */
  async hijack(
    method: string,
    path: string,
    options: RequestOptions = {},
  ): Promise<{ socket: Duplex; contentType: string }> {
    const version = await this.apiVersion();
    const req = this.#open(method, `/v${version}${path}${queryString(options.query)}`, {
      ...options,
      headers: { ...options.headers, Connection: 'Upgrade', Upgrade: 'tcp' },
    });
    return new Promise((resolve, reject) => {
      req.once('error', (err) => reject(connectionError(err, this.host)));
      req.once('upgrade', (res: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (head.length) socket.unshift(head);
        resolve({ socket, contentType: String(res.headers['content-type'] ?? '') });
      });
      req.once('response', (res: IncomingMessage) => {
        if ((res.statusCode ?? 500) >= 400) daemonError(res).then(reject, reject);
        else reject(new CliError(`the daemon did not take over the connection (HTTP ${res.statusCode})`));
      });
      endRequest(req, options).catch(reject);
    });
  }

  #open(method: string, path: string, options: RequestOptions): ClientRequest {
    const headers: Record<string, string> = { ...options.headers };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (options.upload) headers['Content-Type'] = options.contentType ?? 'application/x-tar';
    return request({
      socketPath: this.socketPath,
      method,
      path,
      headers: { 'User-Agent': 'Berth-Client/0.1.0 (linux)', ...headers },
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  #send(method: string, path: string, options: RequestOptions): Promise<IncomingMessage> {
    const req = this.#open(method, path, options);
    return new Promise((resolve, reject) => {
      req.once('error', (err) => reject(connectionError(err, this.host)));
      req.once('response', resolve);
      endRequest(req, options).catch(reject);
    });
  }
}

async function endRequest(req: ClientRequest, options: RequestOptions): Promise<void> {
  if (options.upload) {
    await pipeline(options.upload, req);
  } else if (options.body !== undefined) {
    req.end(JSON.stringify(options.body));
  } else {
    req.end();
  }
}

/** Docker's query conventions: booleans as `1`, absent values left out. */
export function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === false) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, v);
    else params.set(key, value === true ? '1' : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

export async function readText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function daemonError(res: IncomingMessage): Promise<DaemonError> {
  const text = await readText(res).catch(() => '');
  let message = text.trim();
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch {
    // not JSON: the text is the message
  }
  return new DaemonError(res.statusCode ?? 500, message || `HTTP ${res.statusCode}`);
}

function connectionError(err: Error, host: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ECONNREFUSED') {
    return new CliError(`Cannot connect to the Berth daemon at ${host}. Is the berth daemon running?`);
  }
  if (code === 'EACCES') {
    return new CliError(
      `permission denied while trying to connect to the Berth daemon socket at ${host}: ${err.message}`,
    );
  }
  return err;
}
