export type { Descriptor, Digest } from './descriptor.js';
export type { ContainerConfig, HistoryEntry, ImageConfig } from './image-config.js';
export type { ImageIndex } from './image-index.js';
export type { ImageManifest } from './manifest.js';
export type { Platform } from './platform.js';
