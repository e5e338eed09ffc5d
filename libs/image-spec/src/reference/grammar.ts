// The grammar of Docker image references (distribution/reference), one anchored regex per part.
// The parts are matched separately, after splitting, so that errors can say which part is wrong.

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const IPV6_LITERAL = '\\[[a-fA-F0-9:]+\\]';
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';

/** A registry host (DNS name or bracketed IPv6 literal) with an optional port. */
export const DOMAIN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|${IPV6_LITERAL})(?::[0-9]+)?$`,
);

/** The repository path: lowercase components separated by `/`. */
export const PATH = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);

/** A tag: up to 128 word characters, dots and dashes, not starting with a dot or dash. */
export const TAG = /^\w[\w.-]{0,127}$/;

/** A bare image ID; Docker refuses it as a name so it cannot be mistaken for one. */
export const IMAGE_ID = /^[a-f0-9]{64}$/;

/** Longest allowed repository name (domain + `/` + path). */
export const NAME_MAX_LENGTH = 255;

/** Docker Hub: the domain of names written without one, and its legacy alias. */
export const DEFAULT_DOMAIN = 'docker.io';
export const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';

/** Namespace of Docker Hub's official images (`busybox` is `library/busybox`). */
export const OFFICIAL_REPO_PREFIX = 'library/';

export const DEFAULT_TAG = 'latest';
