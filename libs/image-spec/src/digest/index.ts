export {
  DIGEST_ALGORITHMS,
  type DigestAlgorithm,
  digestOf,
  formatDigest,
  isDigest,
  type ParsedDigest,
  parseDigest,
  toDigest,
} from './digest.js';
export {
  createDigestVerifier,
  DigestCalculator,
  DigestVerifier,
  type VerifyExpectation,
} from './verifier.js';
