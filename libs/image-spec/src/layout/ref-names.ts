import { parseReference, withDefaultTag } from '../reference/index.js';
import type { Descriptor } from '../types/descriptor.js';

/** The OCI annotation that names a manifest in an image layout's index.json (usually the tag). */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
/** containerd's (and Docker 25+'s) annotation with the full image name, e.g. `docker.io/library/busybox:latest`. */
export const IMAGE_NAME_ANNOTATION = 'io.containerd.image.name';

export interface LayoutName {
  /** The OCI ref name: the tag, or the whole name when it is not an image reference. */
  refName: string;
  /** The full normalised image name, when the name is an image reference. */
  imageName?: string;
}

/**
 * How a name given by a user is stored in index.json. Something with `:`, `/` or `@`
 * (`busybox:1.36`, `ghcr.io/o/r`) is an image reference and is normalised, with `latest`
 * when no tag is given; anything else (`latest`, `v1`) is a bare OCI ref name, as skopeo
 * and umoci write them.
 */
export function layoutName(name: string): LayoutName {
  if (!/[:/@]/.test(name)) return { refName: name };
  const ref = withDefaultTag(parseReference(name));
  return { refName: ref.tag ?? ref.digest!, imageName: ref.toString() };
}

/** Does this index entry answer to `name` (as normalised by layoutName)? */
export function descriptorHasName(desc: Descriptor, name: string): boolean {
  const a = desc.annotations ?? {};
  const wanted = layoutName(name);
  return wanted.imageName !== undefined
    ? a[IMAGE_NAME_ANNOTATION] === wanted.imageName
    : a[REF_NAME_ANNOTATION] === wanted.refName && a[IMAGE_NAME_ANNOTATION] === undefined;
}
