import { createHash } from 'node:crypto';
import { ImageSpecError } from '../errors.js';
import type { Digest } from '../types/descriptor.js';

/** Digest algorithms this package accepts, with the length of their hex encoding. */
export const DIGEST_ALGORITHMS = { sha256: 64, sha512: 128 } as const;
export type DigestAlgorithm = keyof typeof DIGEST_ALGORITHMS;

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  hex: string;
}

// The OCI grammar for any digest; the algorithm then has to be one we can verify.
const DIGEST_GRAMMAR = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

/** Splits and checks a digest string; unknown algorithms and bad encodings are refused. */
export function parseDigest(value: unknown, field?: string): ParsedDigest {
  if (typeof value !== 'string') {
    throw new ImageSpecError('ERR_DIGEST_INVALID', 'digest must be a string', { field });
  }
  const m = DIGEST_GRAMMAR.exec(value);
  if (!m) {
    throw new ImageSpecError('ERR_DIGEST_INVALID', `not a valid digest: ${JSON.stringify(value)}`, { field });
  }
  const algorithm = m[1]!;
  const hex = m[2]!;
  if (!Object.hasOwn(DIGEST_ALGORITHMS, algorithm)) {
    throw new ImageSpecError(
      'ERR_DIGEST_UNSUPPORTED',
      `unsupported digest algorithm ${JSON.stringify(algorithm)}`,
      {
        field,
      },
    );
  }
  const length = DIGEST_ALGORITHMS[algorithm as DigestAlgorithm];
  if (hex.length !== length || !/^[a-f0-9]+$/.test(hex)) {
    throw new ImageSpecError(
      'ERR_DIGEST_INVALID',
      `not a valid ${algorithm} digest: ${JSON.stringify(value)}`,
      {
        field,
      },
    );
  }
  return { algorithm: algorithm as DigestAlgorithm, hex };
}

export function formatDigest(algorithm: DigestAlgorithm, hex: string): Digest {
  return toDigest(`${algorithm}:${hex}`);
}

export function isDigest(value: unknown): value is Digest {
  try {
    parseDigest(value);
    return true;
  } catch {
    return false;
  }
}

/** Validates and returns the digest typed as such. */
export function toDigest(value: unknown, field?: string): Digest {
  parseDigest(value, field);
  return value as Digest;
}

/** Digest of bytes held in memory (manifests, configs: small documents only). */
export function digestOf(data: string | Uint8Array, algorithm: DigestAlgorithm = 'sha256'): Digest {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}
