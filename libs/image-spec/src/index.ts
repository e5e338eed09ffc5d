export * from './archive/index.js';
export { chainId, chainIds } from './chain-id.js';
export * from './digest/index.js';
export { ImageSpecError, type ImageSpecErrorCode, isImageSpecError } from './errors.js';
export * from './layout/index.js';
export * from './media-types.js';
export * from './platform/index.js';
export * from './reference/index.js';
export type * from './types/index.js';
export {
  type DocumentInput,
  type ManifestDocument,
  parseDescriptor,
  parseImageConfig,
  parseIndex,
  parseManifest,
  parseManifestOrIndex,
} from './validate/parse.js';
