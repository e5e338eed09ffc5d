import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ImageSpecError } from '../errors.js';
import type { Digest } from '../types/descriptor.js';
import { type DigestAlgorithm, parseDigest } from './digest.js';

export interface VerifyExpectation {
  digest: Digest | string;
  /** Expected size in bytes; when given, extra bytes fail at once, missing ones at the end. */
  size?: number;
}

/**
 * A pass-through stream that hashes and counts the bytes flowing through it and fails
 * with ERR_SIZE_MISMATCH / ERR_DIGEST_MISMATCH when they are not what the descriptor
 * promised. Consumers must treat data as untrusted until the stream has ended cleanly.
 */
export class DigestVerifier extends Transform {
  readonly expected: VerifyExpectation;
  readonly algorithm: DigestAlgorithm;
  private readonly hash: Hash;
  private readonly expectedHex: string;
  private count = 0;

  constructor(expected: VerifyExpectation) {
    super();
    const parsed = parseDigest(expected.digest);
    this.expected = expected;
    this.algorithm = parsed.algorithm;
    this.expectedHex = parsed.hex;
    this.hash = createHash(parsed.algorithm);
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.count;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.count += chunk.length;
    if (this.expected.size !== undefined && this.count > this.expected.size) {
      done(sizeMismatch(this.expected, this.count, 'more than'));
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.expected.size !== undefined && this.count !== this.expected.size) {
      done(sizeMismatch(this.expected, this.count, 'only'));
      return;
    }
    const actual = this.hash.digest('hex');
    if (actual !== this.expectedHex) {
      done(
        new ImageSpecError(
          'ERR_DIGEST_MISMATCH',
          `content digest is ${this.algorithm}:${actual}, expected ${this.expected.digest}`,
        ),
      );
      return;
    }
    done();
  }
}

function sizeMismatch(expected: VerifyExpectation, got: number, how: string): ImageSpecError {
  return new ImageSpecError(
    'ERR_SIZE_MISMATCH',
    `content of ${expected.digest} has ${how} ${got} bytes, expected ${expected.size}`,
  );
}

/** A stream that verifies content against a descriptor's digest and size as it flows. */
export function createDigestVerifier(expected: VerifyExpectation): DigestVerifier {
  return new DigestVerifier(expected);
}

/**
 * A pass-through stream that computes the digest and size of what flows through it,
 * for content whose digest is not known in advance (a layer being written, a commit).
 */
export class DigestCalculator extends Transform {
  private readonly hash: Hash;
  readonly algorithm: DigestAlgorithm;
  private count = 0;
  private result: Digest | undefined;

  constructor(algorithm: DigestAlgorithm = 'sha256') {
    super();
    this.algorithm = algorithm;
    this.hash = createHash(algorithm);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.count += chunk.length;
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.result = `${this.algorithm}:${this.hash.digest('hex')}`;
    done();
  }

  get bytes(): number {
    return this.count;
  }

  /** The digest, available once the stream has ended. */
  get digest(): Digest {
    if (!this.result) throw new Error('DigestCalculator: digest read before the stream ended');
    return this.result;
  }
}
