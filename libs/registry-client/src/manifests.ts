import {
  type Descriptor,
  type Digest,
  digestOf,
  ImageSpecError,
  isDigest,
  MANIFEST_MEDIA_TYPES,
  type ManifestDocument,
  parseDigest,
  parseManifestOrIndex,
} from '@berth/image-spec';
import { repositoryScope } from './auth/bearer-token.js';
import type { Endpoint } from './endpoint.js';
import { RegistryError } from './errors.js';
import { readBody } from './transport/http-client.js';

/** Manifests bigger than this are refused (the distribution spec's suggested limit). */
export const MAX_MANIFEST_SIZE = 4 * 1024 * 1024;

/** A repository on one endpoint. */
export interface Repository {
  endpoint: Endpoint;
  /** Repository path, e.g. `library/busybox`. */
  path: string;
}

export interface FetchedManifest {
  descriptor: Descriptor;
  bytes: Buffer;
  document: ManifestDocument;
}

export const label = (repo: Repository, ref?: string) =>
  `${repo.endpoint.name}/${repo.path}${ref === undefined ? '' : isDigest(ref) ? `@${ref}` : `:${ref}`}`;

const pull = (repo: Repository) => [repositoryScope(repo.path, ['pull'])];
const push = (repo: Repository) => [repositoryScope(repo.path, ['pull', 'push'])];

/** HEAD a manifest by tag or digest: its descriptor without the body (falls back to GET when needed). */
export async function headManifest(repo: Repository, ref: string, signal?: AbortSignal): Promise<Descriptor> {
  const res = await repo.endpoint.request({
    method: 'HEAD',
    path: `/v2/${repo.path}/manifests/${ref}`,
    headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') },
    scopes: pull(repo),
    ok: [200],
    notFound: 'ERR_MANIFEST_UNKNOWN',
    what: `HEAD manifest ${label(repo, ref)}`,
    signal,
  });
  res.body.resume();
  const digest = res.headers['docker-content-digest'];
  const mediaType = res.headers['content-type']?.split(';')[0]?.trim();
  const size = Number(res.headers['content-length']);
  if (
    digest &&
    isDigest(digest) &&
    (!isDigest(ref) || digest === ref) &&
    mediaType &&
    MANIFEST_MEDIA_TYPES.includes(mediaType) &&
    Number.isSafeInteger(size) &&
    size > 0
  ) {
    return { mediaType, digest: digest as Digest, size };
  }
  return (await getManifest(repo, ref, signal)).descriptor;
}

/**
 * GET a manifest or index, verified: by digest the bytes must hash to it; by tag, to the registry's
 * Docker-Content-Digest when it sent one. Docker schema1 fails with ERR_SCHEMA1_UNSUPPORTED.
 */
export async function getManifest(
  repo: Repository,
  ref: string,
  signal?: AbortSignal,
): Promise<FetchedManifest> {
  const what = `GET manifest ${label(repo, ref)}`;
  const res = await repo.endpoint.request({
    method: 'GET',
    path: `/v2/${repo.path}/manifests/${ref}`,
    headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') },
    scopes: pull(repo),
    ok: [200],
    notFound: 'ERR_MANIFEST_UNKNOWN',
    what,
    signal,
  });
  const bytes = await readBody(res, MAX_MANIFEST_SIZE, what);
  const claimed = isDigest(ref) ? ref : res.headers['docker-content-digest'];
  const algorithm = claimed && isDigest(claimed) ? parseDigest(claimed).algorithm : 'sha256';
  const digest = digestOf(bytes, algorithm);
  if (claimed && isDigest(claimed) && digest !== claimed) {
    throw new ImageSpecError(
      'ERR_DIGEST_MISMATCH',
      `${what}: content digest is ${digest}, expected ${claimed}`,
    );
  }
  const contentType = res.headers['content-type'];
  const document = parseManifestOrIndex(bytes, contentType);
  const declared = (JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown }).mediaType;
  const mediaType =
    typeof declared === 'string'
      ? declared
      : (contentType?.split(';')[0]?.trim() ??
        (document.kind === 'index' ? MANIFEST_MEDIA_TYPES[0]! : MANIFEST_MEDIA_TYPES[2]!));
  return { descriptor: { mediaType, digest: digest as Digest, size: bytes.length }, bytes, document };
}

export interface PutManifestResult {
  descriptor: Descriptor;
  /** The registry answered with OCI-Subject: it maintains the referrers API itself. */
  subjectAccepted: boolean;
}

/** PUT a manifest or index by tag or digest. */
export async function putManifest(
  repo: Repository,
  ref: string,
  bytes: Buffer,
  mediaType: string,
  signal?: AbortSignal,
): Promise<PutManifestResult> {
  const digest = digestOf(bytes);
  const what = `PUT manifest ${label(repo, ref)}`;
  const res = await repo.endpoint.request({
    method: 'PUT',
    path: `/v2/${repo.path}/manifests/${ref}`,
    headers: { 'content-type': mediaType },
    body: bytes,
    scopes: push(repo),
    ok: [201, 200, 202],
    notFound: 'ERR_NAME_UNKNOWN',
    what,
    signal,
  });
  res.body.resume();
  const returned = res.headers['docker-content-digest'];
  if (returned && isDigest(returned) && parseDigest(returned).algorithm === 'sha256' && returned !== digest) {
    throw new RegistryError(
      'ERR_REGISTRY_PROTOCOL',
      `${what}: registry stored ${returned}, expected ${digest}`,
    );
  }
  return {
    descriptor: { mediaType, digest, size: bytes.length },
    subjectAccepted: res.headers['oci-subject'] !== undefined,
  };
}

/** DELETE a manifest by digest (registries refuse deleting by tag: resolve it first). */
export async function deleteManifest(repo: Repository, digest: string, signal?: AbortSignal): Promise<void> {
  const res = await repo.endpoint.request({
    method: 'DELETE',
    path: `/v2/${repo.path}/manifests/${digest}`,
    scopes: [repositoryScope(repo.path, ['delete'])],
    ok: [202, 200, 204],
    notFound: 'ERR_MANIFEST_UNKNOWN',
    what: `DELETE manifest ${label(repo, digest)}`,
    signal,
  });
  res.body.resume();
}
