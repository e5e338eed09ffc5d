import { type Descriptor, type ImageIndex, MediaType, parseDigest, parseIndex } from '@berth/image-spec';
import { repositoryScope } from './auth/bearer-token.js';
import { isRegistryError } from './errors.js';
import { nextLink } from './link-header.js';
import { getManifest, label, putManifest, type Repository } from './manifests.js';
import { readBody } from './transport/http-client.js';

/**
 * The referrers tag schema's tag for a digest: algorithm (≤ 32 chars) `-` encoded part (≤ 64 chars),
 * characters a tag cannot hold replaced with `-` (distribution-spec, "Referrers Tag Schema").
 */
export function referrersTag(digest: string): string {
  const colon = digest.indexOf(':');
  const alg = digest.slice(0, colon).slice(0, 32);
  const enc = digest.slice(colon + 1).slice(0, 64);
  return `${alg}-${enc}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
}

export interface ReferrersOptions {
  artifactType?: string;
  signal?: AbortSignal;
}

/**
 * The manifests that name `digest` as their subject: the referrers API (OCI 1.1) when the registry has
 * it, else the referrers tag schema's index; none when neither exists.
 */
export async function listReferrers(
  repo: Repository,
  digest: string,
  options: ReferrersOptions = {},
): Promise<Descriptor[]> {
  parseDigest(digest);
  const out: Descriptor[] = [];
  let path: string | undefined = `/v2/${repo.path}/referrers/${digest}`;
  let query: Record<string, string> | undefined = options.artifactType
    ? { artifactType: options.artifactType }
    : undefined;
  let filtered = false;
  while (path) {
    const what = `referrers of ${label(repo, digest)}`;
    const res = await repo.endpoint.request({
      method: 'GET',
      path,
      query,
      headers: { accept: MediaType.ImageIndex },
      scopes: [repositoryScope(repo.path, ['pull'])],
      ok: [200, 404],
      what,
      signal: options.signal,
    });
    if (res.status === 404) {
      res.body.resume();
      if (out.length > 0) break;
      return fromTagSchema(repo, digest, options);
    }
    filtered ||= /artifactType/.test(res.headers['oci-filters-applied'] ?? '');
    out.push(...parseIndex(await readBody(res, 4 * 1024 * 1024, what)).manifests);
    path = nextLink(res.headers.link);
    query = undefined;
  }
  return filtered ? out : filterByType(out, options.artifactType);
}

async function fromTagSchema(
  repo: Repository,
  digest: string,
  options: ReferrersOptions,
): Promise<Descriptor[]> {
  const index = await readTagIndex(repo, digest, options.signal);
  return filterByType(index?.manifests ?? [], options.artifactType);
}

function filterByType(list: Descriptor[], artifactType: string | undefined): Descriptor[] {
  return artifactType === undefined ? list : list.filter((d) => d.artifactType === artifactType);
}

async function readTagIndex(
  repo: Repository,
  digest: string,
  signal?: AbortSignal,
): Promise<ImageIndex | undefined> {
  try {
    const fetched = await getManifest(repo, referrersTag(digest), signal);
    return fetched.document.kind === 'index' ? fetched.document.index : undefined;
  } catch (err) {
    if (isRegistryError(err, 'ERR_MANIFEST_UNKNOWN') || isRegistryError(err, 'ERR_NAME_UNKNOWN'))
      return undefined;
    throw err;
  }
}

/**
 * For registries without the referrers API: adds `referrer` to the index under the subject's
 * referrers tag (read, add, put). Concurrent writers can race; the spec leaves that to registries with
 * the API.
 */
export async function addToReferrersTag(
  repo: Repository,
  subject: Descriptor,
  referrer: Descriptor,
  signal?: AbortSignal,
): Promise<void> {
  const existing = await readTagIndex(repo, subject.digest, signal);
  const manifests = (existing?.manifests ?? []).filter((d) => d.digest !== referrer.digest);
  const index: ImageIndex = {
    schemaVersion: 2,
    mediaType: MediaType.ImageIndex,
    manifests: [...manifests, referrer],
  };
  await putManifest(
    repo,
    referrersTag(subject.digest),
    Buffer.from(JSON.stringify(index)),
    MediaType.ImageIndex,
    signal,
  );
}
