import { parseDigest } from '../digest/digest.js';
import { ImageSpecError } from '../errors.js';
import type { Digest } from '../types/descriptor.js';
import {
  DEFAULT_DOMAIN,
  DEFAULT_TAG,
  DOMAIN,
  IMAGE_ID,
  LEGACY_DEFAULT_DOMAIN,
  NAME_MAX_LENGTH,
  OFFICIAL_REPO_PREFIX,
  PATH,
  TAG,
} from './grammar.js';

/** The parts of a fully normalised reference (`domain/path[:tag][@digest]`). */
export interface ReferenceParts {
  readonly domain: string;
  readonly path: string;
  readonly tag?: string | undefined;
  readonly digest?: string | undefined;
}

/**
 * A validated, normalised image reference. Build one with `parseReference` from user input;
 * the constructor takes parts that are already normalised and only validates them.
 */
export class Reference {
  readonly domain: string;
  readonly path: string;
  /** The tag as written; parsing adds no default (see `withDefaultTag`). */
  readonly tag: string | undefined;
  readonly digest: Digest | undefined;

  constructor(parts: ReferenceParts) {
    checkParts(parts, withSuffix(`${parts.domain}/${parts.path}`, parts));
    this.domain = parts.domain;
    this.path = parts.path;
    this.tag = parts.tag;
    this.digest = parts.digest as Digest | undefined;
  }

  /** Full repository name, e.g. `docker.io/library/busybox`. */
  get name(): string {
    return `${this.domain}/${this.path}`;
  }

  /** The name as Docker shows it: Docker Hub's domain and `library/` namespace left out. */
  get familiarName(): string {
    if (this.domain !== DEFAULT_DOMAIN) return this.name;
    // Only a single component under `library/` is shortened, so the short form parses back the same.
    const official = this.path.startsWith(OFFICIAL_REPO_PREFIX)
      ? this.path.slice(OFFICIAL_REPO_PREFIX.length)
      : undefined;
    return official !== undefined && !official.includes('/') ? official : this.path;
  }

  /** The short form with tag and digest, e.g. `busybox:1.36`. */
  familiarString(): string {
    return withSuffix(this.familiarName, this);
  }

  /** The full normalised form, e.g. `docker.io/library/busybox:1.36`. */
  toString(): string {
    return withSuffix(this.name, this);
  }
}

/**
 * Parses a reference the way `docker pull` reads it (distribution/reference `ParseNormalizedNamed`):
 * names without a registry go to Docker Hub, single names there get the `library/` namespace.
 * Throws `ERR_REFERENCE_INVALID` for anything Docker would refuse.
 */
export function parseReference(input: string): Reference {
  if (input === '') throw invalid(input, 'repository name must have at least one component');
  if (IMAGE_ID.test(input)) throw invalid(input, 'cannot specify 64-byte hexadecimal strings');
  // No other part may contain '@', so the first one starts the digest.
  const [named, digest] = cut(input, '@');
  const [domain, remainder] = splitDomain(named);
  // The port belongs to the domain, already split off, and paths have no ':', so the first one starts the tag.
  const [path, tag] = cut(remainder, ':');
  const parts = { domain, path, tag, digest };
  checkParts(parts, input);
  return new Reference(parts);
}

/** Returns `ref` tagged `latest` when it names neither a tag nor a digest, like `docker pull`. */
export function withDefaultTag(ref: Reference): Reference {
  if (ref.tag !== undefined || ref.digest !== undefined) return ref;
  return new Reference({ domain: ref.domain, path: ref.path, tag: DEFAULT_TAG });
}

/**
 * Docker's rule for telling a registry from a Docker Hub namespace: the first of several components
 * is a registry if it has a '.' or ':', is `localhost`, or has upper case (Hub namespaces cannot).
 */
function splitDomain(name: string): [domain: string, rest: string] {
  const [first, rest] = cut(name, '/');
  let domain = DEFAULT_DOMAIN;
  let path = name;
  // A lone component is always a Hub name: `localhost:5000` is image `localhost`, tag `5000`.
  if (rest !== undefined && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase())) {
    domain = first === LEGACY_DEFAULT_DOMAIN ? DEFAULT_DOMAIN : first;
    path = rest;
  }
  if (domain === DEFAULT_DOMAIN && !path.includes('/')) path = OFFICIAL_REPO_PREFIX + path;
  return [domain, path];
}

/** Throws unless every part is well formed; `source` only names the reference in messages. */
function checkParts(parts: ReferenceParts, source: string): void {
  const { domain, path, tag, digest } = parts;
  if (!DOMAIN.test(domain)) throw invalid(source, `invalid domain ${JSON.stringify(domain)}`);
  if (path !== path.toLowerCase()) throw invalid(source, 'repository name must be lowercase');
  if (!PATH.test(path)) throw invalid(source, `invalid repository path ${JSON.stringify(path)}`);
  if (domain.length + 1 + path.length > NAME_MAX_LENGTH) {
    throw invalid(source, `repository name must not be more than ${NAME_MAX_LENGTH} characters`);
  }
  if (tag !== undefined && !TAG.test(tag)) throw invalid(source, `invalid tag ${JSON.stringify(tag)}`);
  if (digest !== undefined) {
    try {
      parseDigest(digest);
    } catch (err) {
      throw invalid(source, err instanceof Error ? err.message : 'invalid digest', err);
    }
  }
}

function withSuffix(name: string, { tag, digest }: Pick<ReferenceParts, 'tag' | 'digest'>): string {
  return `${name}${tag === undefined ? '' : `:${tag}`}${digest === undefined ? '' : `@${digest}`}`;
}

/** Splits at the first `separator`; the second half is undefined when there is none. */
function cut(s: string, separator: string): [string, string | undefined] {
  const i = s.indexOf(separator);
  return i === -1 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

function invalid(source: string, reason: string, cause?: unknown): ImageSpecError {
  return new ImageSpecError(
    'ERR_REFERENCE_INVALID',
    `invalid reference ${JSON.stringify(source)}: ${reason}`,
    {
      cause,
    },
  );
}
