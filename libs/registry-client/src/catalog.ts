import type { Endpoint } from './endpoint.js';
import { nextLink } from './link-header.js';
import { type ListOptions, parseJson } from './tags.js';
import { readBody } from './transport/http-client.js';

/** Pages of the registry's repository names (`/v2/_catalog`), following Link headers. */
export async function* catalogPages(endpoint: Endpoint, options: ListOptions = {}): AsyncGenerator<string[]> {
  let path: string | undefined = '/v2/_catalog';
  let query: Record<string, string> | undefined = options.pageSize
    ? { n: String(options.pageSize) }
    : undefined;
  while (path) {
    const what = `catalog of ${endpoint.name}`;
    const res = await endpoint.request({
      method: 'GET',
      path,
      query,
      scopes: ['registry:catalog:*'],
      ok: [200],
      notFound: 'ERR_REGISTRY_UNSUPPORTED',
      what,
      signal: options.signal,
    });
    const doc = parseJson(await readBody(res, 64 * 1024 * 1024, what), what) as { repositories?: unknown };
    const names = Array.isArray(doc.repositories)
      ? doc.repositories.filter((r): r is string => typeof r === 'string')
      : [];
    yield names;
    path = nextLink(res.headers.link);
    query = undefined;
  }
}

/** Every repository the registry lists. */
export async function listCatalog(endpoint: Endpoint, options: ListOptions = {}): Promise<string[]> {
  const all: string[] = [];
  for await (const page of catalogPages(endpoint, options)) all.push(...page);
  return all;
}
