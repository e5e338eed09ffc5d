import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** What a handler gets: the request, its path parameters, query and negotiated API version. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The API version the client asked for (`/v1.41/...`), or the daemon's own. */
  version: string;
  /** Set when the client asked to hijack the connection (`Upgrade: tcp`): the raw socket. */
  upgrade?: { socket: Duplex; head: Buffer };
}

export type Handler = (ctx: RequestContext) => unknown | Promise<unknown>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

/**
 * Method + path routing. `{name}` matches one segment; `{name*}` matches one or more (image names carry
 * slashes: `/images/localhost:5000/a/b:1/json`), the rest of the pattern anchoring the end.
 */
export class Router {
  readonly #routes: Route[] = [];

  add(method: string, path: string, handler: Handler): this {
    const names: string[] = [];
    const source = path.replace(/\{(\w+)(\*?)\}/g, (_all, name: string, greedy: string) => {
      names.push(name);
      return greedy ? '(.+)' : '([^/]+)';
    });
    this.#routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  get = (path: string, handler: Handler) => this.add('GET', path, handler);
  post = (path: string, handler: Handler) => this.add('POST', path, handler);
  put = (path: string, handler: Handler) => this.add('PUT', path, handler);
  delete = (path: string, handler: Handler) => this.add('DELETE', path, handler);
  head = (path: string, handler: Handler) => this.add('HEAD', path, handler);

  /** The handler for a request, or why there is none (404 no route, 405 wrong method). */
  match(
    method: string,
    path: string,
  ): { handler: Handler; params: Record<string, string> } | { status: 404 | 405 } {
    let pathMatched = false;
    for (const route of this.#routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1] as string);
      });
      return { handler: route.handler, params };
    }
    return { status: pathMatched ? 405 : 404 };
  }
}
