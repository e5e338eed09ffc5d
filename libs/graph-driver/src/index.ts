export {
  type ApplyLayerOptions,
  type ApplyLayerResult,
  type ApplyProgress,
  applyLayer,
  type WhiteoutFormat,
} from './apply/apply-layer.js';
export type { IdMapping, IdMappings } from './apply/id-map.js';
export {
  type Compression,
  createDecompressor,
  Decompressor,
  type DecompressorOptions,
  detectCompression,
} from './compress/decompress.js';
export {
  type ApplyDiffOptions,
  type Change,
  checkId,
  type DriverOptions,
  type GraphDriver,
} from './drivers/driver.js';
export { OverlayDriver } from './drivers/overlay.js';
export { VfsDriver } from './drivers/vfs.js';
export { errnoOf, GraphDriverError, type GraphDriverErrorCode, isGraphDriverError } from './errors.js';
export {
  type CommitResult,
  type Layer,
  LayerStore,
  type LayerStoreOptions,
  type RegisterOptions,
  type RwLayer,
} from './store/layer-store.js';
export { encodeHeader, type TarEntry, tarBytes } from './tar/writer.js';
