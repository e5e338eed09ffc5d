import { ImageSpecError } from '../errors.js';
import type { Descriptor } from '../types/descriptor.js';
import type { ImageIndex } from '../types/image-index.js';
import type { Platform } from '../types/platform.js';
import { hostPlatform } from './host-platform.js';
import { normalizePlatform } from './normalize-platform.js';
import { formatPlatform } from './parse-platform.js';
import { comparePlatforms, platformMatcher } from './platform-matcher.js';

type PlatformDescriptor = Descriptor & { platform: Platform };

/** BuildKit attaches provenance/SBOM manifests to indexes under a fake `unknown/unknown` platform. */
function isAttestation(d: Descriptor): boolean {
  return (
    d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' ||
    (d.platform?.os === 'unknown' && d.platform.architecture === 'unknown')
  );
}

/**
 * The manifest of `index` that best fits `want` (default: the host platform), by the order
 * of compatiblePlatforms; among equally good entries the first in the index wins.
 * Entries without a platform and attestation manifests are never picked.
 */
export function selectManifest(index: ImageIndex, want: Platform = hostPlatform()): Descriptor {
  const candidates = index.manifests.filter(
    (d): d is PlatformDescriptor => d.platform !== undefined && !isAttestation(d),
  );
  const matches = platformMatcher(want);
  const compare = comparePlatforms(want);
  // Array#sort is stable, so ties keep index order.
  const best = candidates
    .filter((d) => matches(d.platform))
    .sort((a, b) => compare(a.platform, b.platform))[0];
  if (best) return best;

  const available = candidates.map((d) => formatPlatform(d.platform)).join(', ') || 'none';
  throw new ImageSpecError(
    'ERR_PLATFORM_NOT_FOUND',
    `no manifest for platform ${formatPlatform(normalizePlatform(want))} in index (available: ${available})`,
  );
}
