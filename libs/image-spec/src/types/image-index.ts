import type { Descriptor } from './descriptor.js';

/**
 * An image index: OCI `application/vnd.oci.image.index.v1+json`, or a Docker manifest list
 * (`application/vnd.docker.distribution.manifest.list.v2+json`).
 */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}
