import { createReadStream } from 'node:fs';
import { access, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { digestOf, parseDigest } from '../digest/digest.js';
import { createDigestVerifier, DigestCalculator } from '../digest/verifier.js';
import { ImageSpecError } from '../errors.js';
import { isIndexMediaType, isManifestMediaType, MediaType } from '../media-types.js';
import { selectManifest } from '../platform/index.js';
import type { Descriptor, Digest } from '../types/descriptor.js';
import type { ImageConfig } from '../types/image-config.js';
import type { ImageIndex } from '../types/image-index.js';
import type { ImageManifest } from '../types/manifest.js';
import type { Platform } from '../types/platform.js';
import { parseImageConfig, parseIndex, parseManifestOrIndex } from '../validate/parse.js';
import { streamToTempFile, syncDir, tempName, writeFileAtomic } from './atomic-file.js';
import { descriptorHasName, IMAGE_NAME_ANNOTATION, layoutName, REF_NAME_ANNOTATION } from './ref-names.js';

const LAYOUT_VERSION = '1.0.0';
/** Where blobs being written wait until verified; outside `blobs/` so readers never see them. */
const INGEST_DIR = '.ingest';

export interface WrittenBlob {
  digest: Digest;
  size: number;
  /** False when the layout had this blob already. */
  created: boolean;
}

export interface ResolvedImage {
  /** The descriptor of the image manifest (after platform selection, if the name pointed at an index). */
  descriptor: Descriptor;
  manifest: ImageManifest;
  config: ImageConfig;
  configBytes: Buffer;
}

/**
 * An OCI image layout directory (`oci-layout`, `index.json`, `blobs/<alg>/<hex>`).
 * Blobs become visible only once complete and verified; index.json is replaced atomically.
 * One OciLayout instance serialises its own index updates; separate processes writing
 * the same layout's index.json at the same moment are not coordinated.
 */
export class OciLayout {
  readonly root: string;
  private indexQueue: Promise<unknown> = Promise.resolve();

  private constructor(root: string) {
    this.root = root;
  }

  /** Opens an existing layout, checking its `oci-layout` marker and `index.json`. */
  static async open(root: string): Promise<OciLayout> {
    let marker: unknown;
    try {
      marker = JSON.parse(await readFile(join(root, 'oci-layout'), 'utf8'));
    } catch (err) {
      throw new ImageSpecError(
        'ERR_LAYOUT_INVALID',
        `${root} is not an OCI image layout: no readable oci-layout file`,
        {
          cause: err,
        },
      );
    }
    const version = (marker as { imageLayoutVersion?: unknown } | null)?.imageLayoutVersion;
    if (version !== LAYOUT_VERSION) {
      throw new ImageSpecError(
        'ERR_LAYOUT_INVALID',
        `unsupported imageLayoutVersion ${JSON.stringify(version)}`,
        {
          field: 'oci-layout.imageLayoutVersion',
        },
      );
    }
    const layout = new OciLayout(root);
    await layout.readIndex();
    return layout;
  }

  /** Opens the layout at `root`, creating an empty one when there is none. */
  static async init(root: string): Promise<OciLayout> {
    await mkdir(join(root, 'blobs', 'sha256'), { recursive: true });
    try {
      await access(join(root, 'oci-layout'));
    } catch {
      await writeFileAtomic(join(root, 'index.json'), `${JSON.stringify(emptyIndex())}\n`);
      await writeFileAtomic(
        join(root, 'oci-layout'),
        `${JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION })}\n`,
      );
    }
    return OciLayout.open(root);
  }

  blobPath(digest: string): string {
    const { algorithm, hex } = parseDigest(digest);
    return join(this.root, 'blobs', algorithm, hex);
  }

  async hasBlob(digest: string): Promise<boolean> {
    try {
      return (await stat(this.blobPath(digest))).isFile();
    } catch {
      return false;
    }
  }

  /** Reads a whole blob into memory, verifying it: for manifests and configs, not layers. */
  async readBlob(desc: { digest: string; size?: number }): Promise<Buffer> {
    let data: Buffer;
    try {
      data = await readFile(this.blobPath(desc.digest));
    } catch (err) {
      throw notFound(desc.digest, err);
    }
    if (desc.size !== undefined && data.length !== desc.size) {
      throw new ImageSpecError(
        'ERR_SIZE_MISMATCH',
        `blob ${desc.digest} has ${data.length} bytes, expected ${desc.size}`,
      );
    }
    if (digestOf(data, parseDigest(desc.digest).algorithm) !== desc.digest) {
      throw new ImageSpecError(
        'ERR_DIGEST_MISMATCH',
        `blob ${desc.digest} in ${this.root} does not match its digest`,
      );
    }
    return data;
  }

  /** A stream of a blob's bytes, verified against digest and size as they are read. */
  async openBlob(desc: { digest: string; size?: number }): Promise<Readable> {
    const path = this.blobPath(desc.digest);
    try {
      await access(path);
    } catch (err) {
      throw notFound(desc.digest, err);
    }
    return createReadStream(path).pipe(createDigestVerifier(desc));
  }

  /**
   * Writes a blob from a stream or bytes. With `expected`, content that does not match is
   * refused (ERR_DIGEST_MISMATCH / ERR_SIZE_MISMATCH) and nothing is left behind. Without it,
   * the digest is computed. Writing a blob that exists already is a cheap no-op.
   */
  async writeBlob(
    source: Readable | Uint8Array | string,
    expected?: { digest: string; size?: number },
    signal?: AbortSignal,
  ): Promise<WrittenBlob> {
    if (expected && (await this.hasBlob(expected.digest))) {
      const size = (await stat(this.blobPath(expected.digest))).size;
      if (typeof source !== 'string' && !(source instanceof Uint8Array)) source.resume();
      return { digest: expected.digest as Digest, size, created: false };
    }
    const input =
      typeof source === 'string' || source instanceof Uint8Array
        ? Readable.from([Buffer.from(source)])
        : source;
    const ingest = join(this.root, INGEST_DIR);
    const tmp = tempName(ingest, 'blob');
    const through = expected ? createDigestVerifier(expected) : new DigestCalculator();
    await streamToTempFile(input, through, tmp, signal);
    const written: WrittenBlob = expected
      ? { digest: expected.digest as Digest, size: (through as { bytes: number }).bytes, created: true }
      : {
          digest: (through as DigestCalculator).digest,
          size: (through as DigestCalculator).bytes,
          created: true,
        };
    const final = this.blobPath(written.digest);
    if (await this.hasBlob(written.digest)) {
      await rm(tmp, { force: true });
      return { ...written, created: false };
    }
    const { algorithm } = parseDigest(written.digest);
    await mkdir(join(this.root, 'blobs', algorithm), { recursive: true });
    try {
      await rename(tmp, final);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    await syncDir(join(this.root, 'blobs', algorithm));
    return written;
  }

  /** Writes a JSON document as a blob and returns its descriptor. */
  async writeJson(doc: unknown, mediaType: string): Promise<Descriptor> {
    const bytes = Buffer.from(JSON.stringify(doc));
    const { digest, size } = await this.writeBlob(bytes);
    return { mediaType, digest, size };
  }

  async readIndex(): Promise<ImageIndex> {
    let text: string;
    try {
      text = await readFile(join(this.root, 'index.json'), 'utf8');
    } catch (err) {
      throw new ImageSpecError('ERR_LAYOUT_INVALID', `${this.root} has no readable index.json`, {
        cause: err,
      });
    }
    return parseIndex(text);
  }

  /** Replaces index.json atomically. */
  async writeIndex(index: ImageIndex): Promise<void> {
    await writeFileAtomic(join(this.root, 'index.json'), `${JSON.stringify(parseIndex(index))}\n`);
  }

  /** Applies `change` to index.json, serialised with every other update through this instance. */
  async updateIndex(change: (index: ImageIndex) => ImageIndex | Promise<ImageIndex>): Promise<ImageIndex> {
    const run = this.indexQueue.then(async () => {
      const next = await change(await this.readIndex());
      await this.writeIndex(next);
      return next;
    });
    this.indexQueue = run.catch(() => undefined);
    return run;
  }

  /**
   * Lists `desc` in index.json under `name` (a full image name such as
   * `docker.io/library/busybox:latest`, or a bare ref name such as `latest`). An entry that had
   * the same name loses it. The blob the descriptor points to must exist already.
   */
  async tag(desc: Descriptor, name?: string): Promise<void> {
    if (!(await this.hasBlob(desc.digest))) throw notFound(desc.digest);
    await this.updateIndex((index) => {
      // A name moves to the new entry; an unnamed entry is kept once per digest.
      const manifests = index.manifests.filter((m) =>
        name !== undefined
          ? !descriptorHasName(m, name)
          : !(m.digest === desc.digest && !m.annotations?.[REF_NAME_ANNOTATION]),
      );
      const annotations = { ...(desc.annotations ?? {}) };
      if (name !== undefined) {
        const { refName, imageName } = layoutName(name);
        annotations[REF_NAME_ANNOTATION] = refName;
        if (imageName !== undefined) annotations[IMAGE_NAME_ANNOTATION] = imageName;
      }
      const entry: Descriptor = { ...desc, annotations };
      if (Object.keys(annotations).length === 0) delete entry.annotations;
      return {
        ...index,
        schemaVersion: 2,
        mediaType: MediaType.ImageIndex,
        manifests: [...manifests, entry],
      };
    });
  }

  /** Removes every index entry named `name`; returns how many were removed. Blobs stay until gc(). */
  async untag(name: string): Promise<number> {
    let removed = 0;
    await this.updateIndex((index) => {
      const manifests = index.manifests.filter((m) => !descriptorHasName(m, name));
      removed = index.manifests.length - manifests.length;
      return { ...index, manifests };
    });
    return removed;
  }

  /**
   * Finds a top-level index entry by name (full image name, ref name) or digest. With no
   * name, a layout holding exactly one entry gives that one.
   */
  async resolve(name?: string): Promise<Descriptor> {
    const { manifests } = await this.readIndex();
    if (name === undefined) {
      if (manifests.length === 1) return manifests[0]!;
      throw new ImageSpecError(
        'ERR_MANIFEST_NOT_FOUND',
        `${this.root} holds ${manifests.length} images; name the one you want`,
      );
    }
    const found =
      manifests.find((m) => descriptorHasName(m, name)) ?? manifests.find((m) => m.digest === name);
    if (!found) {
      throw new ImageSpecError(
        'ERR_MANIFEST_NOT_FOUND',
        `no image named ${JSON.stringify(name)} in ${this.root}`,
      );
    }
    return found;
  }

  /**
   * Reads an image: follows the name to its manifest (choosing the platform when it is an
   * index), then reads and validates the manifest and config.
   */
  async readImage(name?: string, platform?: Platform): Promise<ResolvedImage> {
    let descriptor = await this.resolve(name);
    for (let depth = 0; isIndexMediaType(descriptor.mediaType); depth++) {
      if (depth > 8) throw new ImageSpecError('ERR_INDEX_INVALID', 'image indexes nest more than 8 deep');
      descriptor = selectManifest(parseIndex(await this.readBlob(descriptor)), platform);
    }
    const doc = parseManifestOrIndex(await this.readBlob(descriptor), descriptor.mediaType);
    if (doc.kind !== 'manifest') {
      throw new ImageSpecError(
        'ERR_MANIFEST_INVALID',
        `${descriptor.digest} is an index but was listed as ${descriptor.mediaType}`,
      );
    }
    const configBytes = await this.readBlob(doc.manifest.config);
    return { descriptor, manifest: doc.manifest, config: parseImageConfig(configBytes), configBytes };
  }

  /** Every blob digest present in the layout. */
  async listBlobs(): Promise<Digest[]> {
    const out: Digest[] = [];
    const blobs = join(this.root, 'blobs');
    for (const algorithm of await readdir(blobs).catch(() => [] as string[])) {
      for (const hex of await readdir(join(blobs, algorithm))) {
        try {
          out.push(`${algorithm}:${hex}` as Digest);
          parseDigest(`${algorithm}:${hex}`);
        } catch {
          out.pop(); // not a blob name: leave it alone
        }
      }
    }
    return out;
  }

  /**
   * Deletes blobs that nothing listed in index.json reaches (through indexes, manifests,
   * configs, layers and subjects), and leftovers of interrupted writes. Returns the removed digests.
   */
  async gc(): Promise<Digest[]> {
    return this.updateIndexLocked(async () => {
      const { reached: live } = await this.walk((await this.readIndex()).manifests);
      const removed: Digest[] = [];
      for (const digest of await this.listBlobs()) {
        if (live.has(digest)) continue;
        await rm(this.blobPath(digest), { force: true });
        removed.push(digest);
      }
      await rm(join(this.root, INGEST_DIR), { recursive: true, force: true });
      return removed;
    });
  }

  /** Runs `fn` while no index update from this instance is in flight. */
  private updateIndexLocked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.indexQueue.then(fn);
    this.indexQueue = run.catch(() => undefined);
    return run;
  }

  /**
   * Walks from `roots` through indexes, manifests, configs, layers and subjects. Returns the
   * digests reached and, separately, those referenced but absent from the layout.
   */
  async walk(roots: readonly Descriptor[]): Promise<{ reached: Set<string>; missing: Set<string> }> {
    const reached = new Set<string>();
    const missing = new Set<string>();
    const visit = async (desc: Descriptor): Promise<void> => {
      if (reached.has(desc.digest) || missing.has(desc.digest)) return;
      if (!(await this.hasBlob(desc.digest))) {
        missing.add(desc.digest);
        return;
      }
      reached.add(desc.digest);
      if (!isIndexMediaType(desc.mediaType) && !isManifestMediaType(desc.mediaType)) return;
      const doc = parseManifestOrIndex(await this.readBlob(desc), desc.mediaType);
      const children =
        doc.kind === 'index'
          ? [...doc.index.manifests, ...(doc.index.subject ? [doc.index.subject] : [])]
          : [
              doc.manifest.config,
              ...doc.manifest.layers,
              ...(doc.manifest.subject ? [doc.manifest.subject] : []),
            ];
      for (const child of children) await visit(child);
    };
    for (const root of roots) await visit(root);
    return { reached, missing };
  }
}

function emptyIndex(): ImageIndex {
  return { schemaVersion: 2, mediaType: MediaType.ImageIndex, manifests: [] };
}

function notFound(digest: string, cause?: unknown): ImageSpecError {
  return new ImageSpecError('ERR_BLOB_NOT_FOUND', `blob ${digest} not found`, { cause });
}
