import { chmod, chown, mkdir, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { dirname } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Logger } from '../daemon/logger.js';
import { ApiError, toApiError } from './api-error.js';
import { API_VERSION, splitVersion } from './api-version.js';
import { sendJson } from './response.js';
import type { Router } from './router.js';

export interface ApiServerOptions {
  router: Router;
  logger: Logger;
  /** Group that may use the socket (Docker's `docker` group); ignored when it does not exist. */
  socketGroupId?: number;
  /** Called as each request comes in. */
  onRequest?: () => void;
}

/** The Engine API over HTTP/1.1 on a Unix socket. */
export class ApiServer {
  readonly #server: Server;
  readonly #options: ApiServerOptions;
  readonly #sockets = new Set<Duplex>();

  constructor(options: ApiServerOptions) {
    this.#options = options;
    this.#server = createServer({ keepAlive: true }, (req, res) => void this.#dispatch(req, res));
    this.#server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const res = new ServerResponse(req);
      res.assignSocket(socket as Socket);
      void this.#dispatch(req, res, { socket, head });
    });
    this.#server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  async listen(path: string): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    await rm(path, { force: true }); // a stale socket from a daemon that died
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(path, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    await chmod(path, 0o660);
    if (this.#options.socketGroupId !== undefined) await chown(path, 0, this.#options.socketGroupId);
  }

  /** Stops accepting, and ends open connections (streams like `events` never end by themselves). */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  async #dispatch(req: IncomingMessage, res: ServerResponse, upgrade?: { socket: Duplex; head: Buffer }) {
    const { logger } = this.#options;
    this.#options.onRequest?.();
    const started = Date.now();
    res.setHeader('Api-Version', API_VERSION);
    res.setHeader('Server', `Berth/${API_VERSION} (linux)`);
    res.setHeader('Docker-Experimental', 'false');
    res.setHeader('Ostype', 'linux');
    const url = new URL(req.url ?? '/', 'http://berth');
    try {
      const { version, path } = splitVersion(url.pathname);
      const found = this.#options.router.match(req.method ?? 'GET', path);
      if ('status' in found) {
        throw new ApiError(found.status, found.status === 404 ? 'page not found' : 'method not allowed');
      }
      const result = await found.handler({
        req,
        res,
        params: found.params,
        query: url.searchParams,
        version,
        ...(upgrade ? { upgrade } : {}),
      });
      if (!res.headersSent) {
        if (result === undefined) {
          res.writeHead(204);
          res.end();
        } else sendJson(res, 200, result);
      }
    } catch (err) {
      const apiError = toApiError(err);
      if (apiError.status >= 500)
        logger.error(`${req.method} ${url.pathname}: ${(err as Error).stack ?? err}`);
      if (!res.headersSent) {
        if (apiError.status === 304) {
          res.writeHead(304);
          res.end();
        } else sendJson(res, apiError.status, { message: apiError.message });
      } else if (!res.writableEnded) {
        // A streamed answer already started: Docker reports the failure inside the stream.
        res.end(
          `${JSON.stringify({ error: apiError.message, errorDetail: { message: apiError.message } })}\n`,
        );
      }
    } finally {
      logger.debug(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`);
    }
  }
}
