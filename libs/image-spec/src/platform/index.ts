export { hostPlatform } from './host-platform.js';
export { normalizePlatform } from './normalize-platform.js';
export { formatPlatform, parsePlatform } from './parse-platform.js';
export {
  comparePlatforms,
  compatiblePlatforms,
  matchesPlatform,
  type PlatformMatcher,
  platformMatcher,
} from './platform-matcher.js';
export { selectManifest } from './select-manifest.js';
