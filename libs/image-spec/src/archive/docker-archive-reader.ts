import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { posix } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { parseDigest } from '../digest/digest.js';
import { ImageSpecError, isImageSpecError } from '../errors.js';
import type { OciLayout, WrittenBlob } from '../layout/oci-layout.js';
import { IMAGE_NAME_ANNOTATION, layoutName, REF_NAME_ANNOTATION } from '../layout/ref-names.js';
import { type LayerCompression, MediaType } from '../media-types.js';
import { parseReference, withDefaultTag } from '../reference/index.js';
import type { Descriptor, Digest } from '../types/descriptor.js';
import type { ImageManifest } from '../types/manifest.js';
import { parseImageConfig, parseIndex } from '../validate/parse.js';
import { decompressArchive } from './decompress-archive.js';
import { type DockerArchiveEntry, parseDockerArchiveManifest } from './docker-archive-manifest.js';
import { compressionOfFile } from './layer-compression.js';

export interface LoadedImage {
  /** The manifest now listed in the layout's index.json. */
  descriptor: Descriptor;
  /**
   * Names it was tagged with: full normalised image names (`docker.io/library/busybox:latest`),
   * or a bare OCI ref name from an OCI archive; empty when untagged.
   */
  names: string[];
}

export interface LoadOptions {
  signal?: AbortSignal;
}

/** Metadata files are read into memory; anything larger than this is not metadata. */
const MAX_METADATA_BYTES = 8 * 1024 * 1024;
const METADATA_FILES = new Set(['manifest.json', 'index.json', 'oci-layout', 'repositories']);
const LAYER_MEDIA_TYPE: Record<LayerCompression, string> = {
  none: MediaType.Layer,
  gzip: MediaType.LayerGzip,
  zstd: MediaType.LayerZstd,
};

interface ArchiveContents {
  files: Map<string, WrittenBlob>;
  links: Map<string, string>;
  metadata: Map<string, Buffer>;
}

/**
 * Loads a `docker save` tarball (plain or gzipped; Docker's classic layout or the OCI layout
 * Docker 25+ writes) into an OCI layout, streaming: every file goes straight into a verified
 * blob, nothing is held in memory but the small metadata files. Layer diff IDs are checked
 * against the config. On any error, every blob this load created is removed again.
 */
export async function loadDockerArchive(
  input: Readable,
  layout: OciLayout,
  options: LoadOptions = {},
): Promise<LoadedImage[]> {
  const created = new Set<Digest>();
  try {
    const contents = await readArchive(input, layout, created, options.signal);
    const images = contents.metadata.has('manifest.json')
      ? await importDockerManifest(contents, layout, created)
      : await importOciIndex(contents, layout);
    // Names are given only once every image of the archive has been checked.
    for (const image of images) {
      if (image.names.length === 0) await layout.tag(image.descriptor);
      for (const name of image.names) await layout.tag(image.descriptor, name);
    }
    // Files that were not part of any image (legacy `<id>/json`, `VERSION`) go again.
    const { reached: kept } = await layout.walk(images.map((i) => i.descriptor));
    for (const digest of created) if (!kept.has(digest)) await rm(layout.blobPath(digest), { force: true });
    return images;
  } catch (err) {
    for (const digest of created) await rm(layout.blobPath(digest), { force: true });
    if (isImageSpecError(err) || (err as Error).name === 'AbortError') throw err;
    throw new ImageSpecError('ERR_ARCHIVE_INVALID', `cannot read image archive: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

async function readArchive(
  input: Readable,
  layout: OciLayout,
  created: Set<Digest>,
  signal?: AbortSignal,
): Promise<ArchiveContents> {
  const contents: ArchiveContents = { files: new Map(), links: new Map(), metadata: new Map() };
  const extract = tar.extract();
  const feeding = pipeline(await decompressArchive(input), extract, { signal });
  feeding.catch(() => undefined); // the loop below sees the same error
  for await (const entry of extract) {
    const name = posix.normalize(entry.header.name).replace(/^(\.\/)+|^\/+|\/+$/g, '');
    const type = entry.header.type;
    if (type === 'file' || type === 'contiguous-file') {
      if (METADATA_FILES.has(name)) {
        if ((entry.header.size ?? 0) > MAX_METADATA_BYTES) {
          throw new ImageSpecError(
            'ERR_ARCHIVE_INVALID',
            `${name} in the archive is too large (${entry.header.size} bytes)`,
          );
        }
        const chunks: Buffer[] = [];
        for await (const chunk of entry) chunks.push(chunk as Buffer);
        contents.metadata.set(name, Buffer.concat(chunks));
      } else {
        // tar-stream entries are streamx streams; Node's pipeline can miss an error they hit
        // before it attached (a truncated archive) and wait forever. A Node stream in between
        // holds on to the error.
        const body = new PassThrough();
        pipeline(entry, body).catch(() => undefined);
        const blob = await layout.writeBlob(body, undefined, signal);
        if (blob.created) created.add(blob.digest);
        contents.files.set(name, blob);
      }
    } else if (type === 'symlink' || type === 'link') {
      // Classic `docker save` links duplicate layers to the first copy.
      const target =
        type === 'symlink'
          ? posix.join(posix.dirname(name), entry.header.linkname ?? '')
          : (entry.header.linkname ?? '');
      contents.links.set(name, posix.normalize(target).replace(/^(\.\/)+|^\/+/, ''));
      entry.resume();
    } else {
      entry.resume();
    }
  }
  await feeding;
  return contents;
}

function fileIn(contents: ArchiveContents, path: string, field: string): WrittenBlob {
  let name = posix.normalize(path).replace(/^(\.\/)+|^\/+/, '');
  for (let hops = 0; contents.links.has(name) && hops < 16; hops++) name = contents.links.get(name)!;
  const blob = contents.files.get(name);
  if (!blob)
    throw new ImageSpecError(
      'ERR_ARCHIVE_INVALID',
      `names ${JSON.stringify(path)}, which is not in the archive`,
      { field },
    );
  return blob;
}

async function importDockerManifest(
  contents: ArchiveContents,
  layout: OciLayout,
  created: Set<Digest>,
): Promise<LoadedImage[]> {
  const entries = parseDockerArchiveManifest(contents.metadata.get('manifest.json')!);
  const images: LoadedImage[] = [];
  for (const [i, entry] of entries.entries())
    images.push(await importEntry(contents, layout, entry, i, created));
  return images;
}

async function importEntry(
  contents: ArchiveContents,
  layout: OciLayout,
  entry: DockerArchiveEntry,
  i: number,
  created: Set<Digest>,
): Promise<LoadedImage> {
  const configBlob = fileIn(contents, entry.Config, `manifest.json[${i}].Config`);
  const config = parseImageConfig(await layout.readBlob(configBlob));
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== entry.Layers.length) {
    throw new ImageSpecError(
      'ERR_ARCHIVE_INVALID',
      `lists ${entry.Layers.length} layers but the config has ${diffIds.length} diff IDs`,
      { field: `manifest.json[${i}].Layers` },
    );
  }
  const layers: Descriptor[] = [];
  for (const [j, path] of entry.Layers.entries()) {
    const blob = fileIn(contents, path, `manifest.json[${i}].Layers[${j}]`);
    const compression = await compressionOfFile(layout.blobPath(blob.digest));
    await checkDiffId(layout, blob, compression, diffIds[j]!);
    layers.push({ mediaType: LAYER_MEDIA_TYPE[compression], digest: blob.digest, size: blob.size });
  }
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ImageManifest,
    config: { mediaType: MediaType.ImageConfig, digest: configBlob.digest, size: configBlob.size },
    layers,
  };
  const written = await layout.writeBlob(JSON.stringify(manifest));
  if (written.created) created.add(written.digest);
  const descriptor: Descriptor = {
    mediaType: MediaType.ImageManifest,
    digest: written.digest,
    size: written.size,
  };
  const names = (entry.RepoTags ?? []).map((tag) => withDefaultTag(parseReference(tag)).toString());
  return { descriptor, names };
}

/** The uncompressed digest of a layer must be the diff ID its config promises. */
async function checkDiffId(
  layout: OciLayout,
  blob: WrittenBlob,
  compression: LayerCompression,
  diffId: string,
) {
  const { algorithm, hex } = parseDigest(diffId);
  if (compression === 'zstd') return; // Node 20's zlib has no zstd; verified when the layer is applied.
  let actual: string;
  if (compression === 'none' && algorithm === 'sha256') {
    actual = parseDigest(blob.digest).hex;
  } else {
    const hash = createHash(algorithm);
    const stages: NodeJS.ReadableStream[] = [createReadStream(layout.blobPath(blob.digest))];
    if (compression === 'gzip') stages.push(createGunzip());
    await pipeline(...(stages as [Readable]), async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) hash.update(chunk);
    });
    actual = hash.digest('hex');
  }
  if (actual !== hex) {
    throw new ImageSpecError(
      'ERR_DIGEST_MISMATCH',
      `layer ${blob.digest} has diff ID ${algorithm}:${actual}, the config says ${diffId}`,
    );
  }
}

/** An archive that is only an OCI layout: its blob names must be their digests. */
async function importOciIndex(contents: ArchiveContents, layout: OciLayout): Promise<LoadedImage[]> {
  const indexBytes = contents.metadata.get('index.json');
  if (!indexBytes || !contents.metadata.has('oci-layout')) {
    throw new ImageSpecError(
      'ERR_ARCHIVE_INVALID',
      'the archive has neither manifest.json nor an OCI layout (oci-layout, index.json)',
    );
  }
  for (const [name, blob] of contents.files) {
    const m = /^blobs\/([^/]+)\/([^/]+)$/.exec(name);
    if (m && `${m[1]}:${m[2]}` !== blob.digest) {
      throw new ImageSpecError(
        'ERR_DIGEST_MISMATCH',
        `archive entry ${name} holds content with digest ${blob.digest}`,
      );
    }
  }
  const listed = parseIndex(indexBytes).manifests;
  const { missing } = await layout.walk(listed);
  if (missing.size > 0) {
    throw new ImageSpecError(
      'ERR_ARCHIVE_INVALID',
      `the archive lacks blobs its index needs: ${[...missing].join(', ')}`,
    );
  }
  const images: LoadedImage[] = [];
  for (const desc of listed) {
    const a = desc.annotations ?? {};
    const name = a[IMAGE_NAME_ANNOTATION] ?? a[REF_NAME_ANNOTATION];
    const names = name === undefined ? [] : [layoutName(name).imageName ?? name];
    images.push({ descriptor: { mediaType: desc.mediaType, digest: desc.digest, size: desc.size }, names });
  }
  return images;
}
