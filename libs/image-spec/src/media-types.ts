/** Media types of the OCI image spec v1.1 and their Docker schema2 equivalents. */
export const MediaType = {
  Descriptor: 'application/vnd.oci.descriptor.v1+json',
  LayoutHeader: 'application/vnd.oci.layout.header.v1+json',
  ImageIndex: 'application/vnd.oci.image.index.v1+json',
  ImageManifest: 'application/vnd.oci.image.manifest.v1+json',
  ImageConfig: 'application/vnd.oci.image.config.v1+json',
  Empty: 'application/vnd.oci.empty.v1+json',
  Layer: 'application/vnd.oci.image.layer.v1.tar',
  LayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  LayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  LayerNonDistributable: 'application/vnd.oci.image.layer.nondistributable.v1.tar',
  LayerNonDistributableGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  LayerNonDistributableZstd: 'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',

  DockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  DockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  DockerConfig: 'application/vnd.docker.container.image.v1+json',
  DockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  DockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  DockerLayerZstd: 'application/vnd.docker.image.rootfs.diff.tar.zstd',
  DockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  DockerPluginConfig: 'application/vnd.docker.plugin.v1+json',

  /** Docker schema1: recognised only so that it can be refused clearly. */
  DockerSchema1Manifest: 'application/vnd.docker.distribution.manifest.v1+json',
  DockerSchema1SignedManifest: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

export type KnownMediaType = (typeof MediaType)[keyof typeof MediaType];

/** Media types a manifest may be served as, in the order a client should prefer them. */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  MediaType.ImageIndex,
  MediaType.DockerManifestList,
  MediaType.ImageManifest,
  MediaType.DockerManifest,
];

export const isIndexMediaType = (m: string | undefined): boolean =>
  m === MediaType.ImageIndex || m === MediaType.DockerManifestList;

export const isManifestMediaType = (m: string | undefined): boolean =>
  m === MediaType.ImageManifest || m === MediaType.DockerManifest;

export const isSchema1MediaType = (m: string | undefined): boolean =>
  m === MediaType.DockerSchema1Manifest ||
  m === MediaType.DockerSchema1SignedManifest ||
  m === 'application/json';

export type LayerCompression = 'none' | 'gzip' | 'zstd';

export interface LayerMediaTypeInfo {
  compression: LayerCompression;
  /** Deprecated OCI non-distributable or Docker foreign layer: never pushed to a registry. */
  nonDistributable: boolean;
}

const LAYER_MEDIA_TYPES: Record<string, LayerMediaTypeInfo> = {
  [MediaType.Layer]: { compression: 'none', nonDistributable: false },
  [MediaType.LayerGzip]: { compression: 'gzip', nonDistributable: false },
  [MediaType.LayerZstd]: { compression: 'zstd', nonDistributable: false },
  [MediaType.LayerNonDistributable]: { compression: 'none', nonDistributable: true },
  [MediaType.LayerNonDistributableGzip]: { compression: 'gzip', nonDistributable: true },
  [MediaType.LayerNonDistributableZstd]: { compression: 'zstd', nonDistributable: true },
  [MediaType.DockerLayer]: { compression: 'none', nonDistributable: false },
  [MediaType.DockerLayerGzip]: { compression: 'gzip', nonDistributable: false },
  [MediaType.DockerLayerZstd]: { compression: 'zstd', nonDistributable: false },
  [MediaType.DockerForeignLayerGzip]: { compression: 'gzip', nonDistributable: true },
};

/** What a layer media type says about its bytes, or undefined when it is not a layer type. */
export function layerMediaTypeInfo(mediaType: string): LayerMediaTypeInfo | undefined {
  return LAYER_MEDIA_TYPES[mediaType];
}

export const isLayerMediaType = (m: string): boolean => m in LAYER_MEDIA_TYPES;
