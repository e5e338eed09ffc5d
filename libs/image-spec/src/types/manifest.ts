import type { Descriptor } from './descriptor.js';

/**
 * An image manifest: OCI `application/vnd.oci.image.manifest.v1+json`, or Docker schema2
 * (`application/vnd.docker.distribution.manifest.v2+json`), which has the same shape.
 */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}
