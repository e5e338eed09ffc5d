import { badRequest } from '../api/api-error.js';
import { checkBuildPlatform } from './build-platform.js';
import { queryBool } from '../api/request-body.js';
import { parseImageReference } from '../images/docker-errors.js';

/** What `POST /build` was asked for (the classic builder's query parameters). */
export interface BuildOptions {
  dockerfile: string;
  /** Full references (`docker.io/library/name:latest`). */
  tags: string[];
  buildArgs: Map<string, string | null>;
  labels: Record<string, string>;
  quiet: boolean;
  noCache: boolean;
  remove: boolean;
  forceRemove: boolean;
  pull: boolean;
  target: string;
}

function jsonObject(query: URLSearchParams, name: string): Record<string, unknown> {
  const raw = query.get(name);
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw badRequest(`invalid ${name}: ${(err as Error).message}`);
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest(`invalid ${name}: not a JSON object`);
  return parsed as Record<string, unknown>;
}

/** Parses and checks the query: bad JSON, bad tags and what the classic builder lacks are a 400. */
export function buildOptionsFrom(query: URLSearchParams): BuildOptions {
  if (query.get('remote')) throw badRequest('remote build contexts (Git URLs, remote tars) are not supported by berthd: send the context as the request body');
  if (query.get('version') === '2') throw badRequest('BuildKit (version=2) is not supported by berthd: use the classic builder (DOCKER_BUILDKIT=0)');
  checkBuildPlatform(query.get('platform') ?? '', 'platform');
  const tags = query.getAll('t').filter((t) => t !== '').map((t) => {
    const ref = parseImageReference(t);
    if (ref.digest) throw badRequest(`invalid reference format: ${t} (a tag can not be a digest)`);
    return parseImageReference(`${ref.name}:${ref.tag ?? 'latest'}`).toString();
  });
  const buildArgs = new Map<string, string | null>();
  for (const [k, v] of Object.entries(jsonObject(query, 'buildargs'))) {
    if (v !== null && typeof v !== 'string') throw badRequest(`invalid buildargs: ${k} is not a string`);
    buildArgs.set(k, v);
  }
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(jsonObject(query, 'labels'))) {
    if (typeof v !== 'string') throw badRequest(`invalid labels: ${k} is not a string`);
    labels[k] = v;
  }
  return {
    dockerfile: query.get('dockerfile') ?? '',
    tags,
    buildArgs,
    labels,
    quiet: queryBool(query, 'q'),
    noCache: queryBool(query, 'nocache'),
    remove: queryBool(query, 'rm', true),
    forceRemove: queryBool(query, 'forcerm'),
    pull: queryBool(query, 'pull'),
    target: query.get('target') ?? '',
  };
}
