export { type LoadedImage, type LoadOptions, loadDockerArchive } from './docker-archive-reader.js';
export { type SaveOptions, saveDockerArchive } from './docker-archive-writer.js';
export { compressionOfHeader } from './layer-compression.js';
