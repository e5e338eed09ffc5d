import type { Platform } from './platform.js';

/** An algorithm-prefixed content address, e.g. `sha256:…`. */
export type Digest = `${string}:${string}`;

/** A pointer to content: what it is, its digest and size (OCI descriptor). */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  /** Embedded content, base64. */
  data?: string;
  platform?: Platform;
  artifactType?: string;
}
