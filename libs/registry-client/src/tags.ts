import { repositoryScope } from './auth/bearer-token.js';
import { RegistryError } from './errors.js';
import { nextLink } from './link-header.js';
import { label, type Repository } from './manifests.js';
import { readBody } from './transport/http-client.js';

export interface ListOptions {
  /** Entries per page (`n`); the registry may cap it. Default: the registry's choice. */
  pageSize?: number;
  signal?: AbortSignal;
}

/** Pages of a repository's tags, following the `Link: <…>; rel="next"` header. */
export async function* tagPages(repo: Repository, options: ListOptions = {}): AsyncGenerator<string[]> {
  let path: string | undefined = `/v2/${repo.path}/tags/list`;
  let query: Record<string, string> | undefined = options.pageSize
    ? { n: String(options.pageSize) }
    : undefined;
  while (path) {
    const what = `list tags of ${label(repo)}`;
    const res = await repo.endpoint.request({
      method: 'GET',
      path,
      query,
      scopes: [repositoryScope(repo.path, ['pull'])],
      ok: [200],
      notFound: 'ERR_NAME_UNKNOWN',
      what,
      signal: options.signal,
    });
    const doc = parseJson(await readBody(res, 16 * 1024 * 1024, what), what) as { tags?: unknown };
    const tags = Array.isArray(doc.tags) ? doc.tags.filter((t): t is string => typeof t === 'string') : [];
    yield tags;
    path = nextLink(res.headers.link);
    query = undefined;
  }
}

/** Every tag of a repository (all pages). */
export async function listTags(repo: Repository, options: ListOptions = {}): Promise<string[]> {
  const all: string[] = [];
  for await (const page of tagPages(repo, options)) all.push(...page);
  return all;
}

export function parseJson(bytes: Buffer, what: string): Record<string, unknown> {
  try {
    const doc = JSON.parse(bytes.toString('utf8')) as unknown;
    if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) return doc as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new RegistryError('ERR_REGISTRY_PROTOCOL', `${what}: the answer is not a JSON object`);
}
