import { randomUUID } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import type { LayerStore } from '@berth/graph-driver';
import {
  type Descriptor,
  type ImageConfig,
  type ImageManifest,
  type OciLayout,
  parseImageConfig,
  parseManifest,
  parseReference,
  withDefaultTag,
} from '@berth/image-spec';
import { notFound } from '../api/api-error.js';
import type { Db } from '../state/database.js';
import { BlobHolds } from './blob-holds.js';

/** An image as the engine records it. */
export interface ImageRecord {
  id: string;
  manifestDigest: string | null;
  manifestMediaType: string | null;
  topLayer: string | null;
  size: number;
  created: string;
  added: string;
  parent: string | null;
  tags: string[];
  digests: string[];
}

export interface ImportImageOptions {
  /** Where the manifest's blobs are (the engine's content store, or a layout being loaded). */
  from: OciLayout;
  manifestDescriptor: Descriptor;
  manifest: ImageManifest;
  configBytes: Buffer;
  /** Full references to point at the image (`docker.io/library/busybox:latest`). */
  tags?: string[];
  /** `repo@sha256:…` names it was pulled by. */
  repoDigests?: string[];
  /** The `pulls` row of the import: removed in the same transaction that makes the image visible. */
  journalId?: string;
  signal?: AbortSignal;
  /** Called as each layer starts unpacking (index into manifest.layers). */
  onLayer?: (index: number, state: 'extracting' | 'done' | 'exists') => void;
  /** Compressed bytes of a layer read so far while unpacking it. */
  onLayerBytes?: (index: number, done: number) => void;
}

interface ImageRow {
  id: string;
  manifest_digest: string | null;
  manifest_media_type: string | null;
  top_layer: string | null;
  size: number;
  created: string;
  added: string;
  parent: string | null;
}

const HEX64 = /^[a-f0-9]{64}$/;

/** Normalises a user's image name to the key tags are stored under (`busybox` → `docker.io/library/busybox:latest`). */
export function normalizeName(name: string): string {
  const ref = parseReference(name);
  return ref.digest ? ref.toString() : withDefaultTag(ref).toString();
}

/**
 * Images: records in SQLite, blobs in the engine's content layout, layers in the layer store.
 * An image becomes visible (its row, with its names) only after all its layers are registered,
 * in one transaction. The image store holds one layer-store reference per layer of each image.
 */
export class ImageStore {
  /** Blobs that imports in progress need: never collected while held. */
  readonly holds = new BlobHolds();

  constructor(
    readonly db: Db,
    readonly content: OciLayout,
    readonly layers: LayerStore,
  ) {}

  #record(row: ImageRow): ImageRecord {
    const tags = this.db
      .prepare('SELECT name FROM image_tags WHERE image_id = ? ORDER BY name')
      .pluck()
      .all(row.id) as string[];
    const digests = this.db
      .prepare('SELECT name FROM image_digests WHERE image_id = ? ORDER BY name')
      .pluck()
      .all(row.id) as string[];
    return {
      id: row.id,
      manifestDigest: row.manifest_digest,
      manifestMediaType: row.manifest_media_type,
      topLayer: row.top_layer,
      size: row.size,
      created: row.created,
      added: row.added,
      parent: row.parent,
      tags,
      digests,
    };
  }

  get(id: string): ImageRecord | undefined {
    const row = this.db.prepare('SELECT * FROM images WHERE id = ?').get(id) as ImageRow | undefined;
    return row && this.#record(row);
  }

  list(): ImageRecord[] {
    const rows = this.db.prepare('SELECT * FROM images ORDER BY added DESC').all() as ImageRow[];
    return rows.map((row) => this.#record(row));
  }

  /**
   * Finds an image the way Docker does: full or short ID (`sha256:` optional), `name[:tag]`
   * (default tag latest), or `name@digest`. Throws Docker's 404 when there is none.
   */
  resolve(nameOrId: string): ImageRecord {
    const found = this.find(nameOrId);
    if (!found) throw notFound(`No such image: ${nameOrId}`);
    return found;
  }

  find(nameOrId: string): ImageRecord | undefined {
    const bare = nameOrId.startsWith('sha256:') ? nameOrId.slice(7) : nameOrId;
    if (HEX64.test(bare)) return this.get(`sha256:${bare}`);
    const key = this.#nameKey(nameOrId);
    if (key) {
      const table = key.includes('@') ? 'image_digests' : 'image_tags';
      const id = this.db.prepare(`SELECT image_id FROM ${table} WHERE name = ?`).pluck().get(key) as
        | string
        | undefined;
      if (id) return this.get(id);
      // `name@digest` also finds an image by its manifest digest, as pulled by another tag.
      if (key.includes('@')) {
        const digest = key.slice(key.indexOf('@') + 1);
        const byManifest = this.db
          .prepare('SELECT id FROM images WHERE manifest_digest = ? LIMIT 1')
          .pluck()
          .get(digest) as string | undefined;
        if (byManifest) return this.get(byManifest);
      }
    }
    // A short ID prefix (Docker accepts any unambiguous prefix).
    if (/^[a-f0-9]{1,63}$/.test(bare)) {
      const ids = this.db
        .prepare("SELECT id FROM images WHERE id LIKE 'sha256:' || ? || '%' LIMIT 2")
        .pluck()
        .all(bare) as string[];
      if (ids.length === 1) return this.get(ids[0] as string);
    }
    return undefined;
  }

  #nameKey(name: string): string | undefined {
    try {
      return normalizeName(name);
    } catch {
      return undefined;
    }
  }

  /** Was `nameOrId` an ID (or ID prefix) of this image rather than one of its names? */
  isIdReference(nameOrId: string, id: string): boolean {
    const bare = nameOrId.startsWith('sha256:') ? nameOrId.slice(7) : nameOrId;
    if (!/^[a-f0-9]{1,64}$/.test(bare) || !id.slice(7).startsWith(bare)) return false;
    const key = this.#nameKey(nameOrId);
    if (!key || key.includes('@')) return true;
    return this.db.prepare('SELECT 1 FROM image_tags WHERE name = ?').get(key) === undefined;
  }

  async config(id: string): Promise<ImageConfig> {
    return parseImageConfig(await this.content.readBlob({ digest: id }));
  }

  async manifest(image: ImageRecord): Promise<ImageManifest | undefined> {
    if (!image.manifestDigest) return undefined;
    return parseManifest(await this.content.readBlob({ digest: image.manifestDigest }));
  }

  /** Points a tag at an image (moving it if it pointed elsewhere). */
  tag(id: string, name: string): void {
    this.db
      .prepare(
        'INSERT INTO image_tags(name, image_id) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id',
      )
      .run(normalizeName(name), id);
  }

  /** Records a `repo@sha256:…` name (RepoDigests) for an image. */
  addRepoDigest(id: string, name: string): void {
    this.db.prepare('INSERT OR REPLACE INTO image_digests(name, image_id) VALUES (?, ?)').run(name, id);
  }

  /** Removes a tag or digest name (normalised key); true when it existed. */
  untag(key: string): boolean {
    const table = key.includes('@') ? 'image_digests' : 'image_tags';
    return this.db.prepare(`DELETE FROM ${table} WHERE name = ?`).run(key).changes > 0;
  }

  /** Starts the journal entry of a pull or load: what daemon start cleans up if the daemon dies meanwhile. */
  beginImport(reference: string): string {
    const id = randomUUID();
    this.db
      .prepare('INSERT INTO pulls(id, reference, started) VALUES (?, ?, ?)')
      .run(id, reference, new Date().toISOString());
    return id;
  }

  endImport(journalId: string): void {
    this.db.prepare('DELETE FROM pulls WHERE id = ?').run(journalId);
  }

  /** Every blob an image is made of: manifest, config, layers. */
  async blobsOf(image: ImageRecord): Promise<string[]> {
    const manifest = await this.manifest(image).catch(() => undefined);
    return [
      ...(image.manifestDigest ? [image.manifestDigest] : []),
      image.id,
      ...(manifest?.layers.map((l) => l.digest) ?? []),
    ];
  }

  /**
   * Removes an image record (its names go with it), releases its layer references top to bottom
   * and deletes the content blobs no other image (and no import in progress) uses. Returns the
   * chain IDs of layers that were deleted.
   */
  async remove(id: string): Promise<string[]> {
    const image = this.get(id);
    if (!image) throw notFound(`No such image: ${id}`);
    const blobs = await this.blobsOf(image);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM image_tags WHERE image_id = ?').run(id);
      this.db.prepare('DELETE FROM image_digests WHERE image_id = ?').run(id);
      this.db.prepare('DELETE FROM images WHERE id = ?').run(id);
    })();
    const removed: string[] = [];
    if (image.topLayer) {
      const chain = this.layers.chain(image.topLayer).reverse();
      for (const layer of chain) removed.push(...(await this.layers.release(layer.chainId)));
    }
    await this.dropUnusedBlobs(blobs);
    return removed;
  }

  /** Deletes those of `candidates` that no image and no import in progress uses. */
  async dropUnusedBlobs(candidates: string[]): Promise<void> {
    const used = new Set<string>();
    for (const other of this.list()) for (const d of await this.blobsOf(other)) used.add(d);
    // Checked and unlinked in one synchronous step: an import cannot take hold of one in between.
    this.holds.removeUnheld(
      candidates.filter((d) => !used.has(d)),
      (digest) => this.content.blobPath(digest),
    );
  }

  /**
   * Makes an image from a manifest whose blobs are in `from`: copies config and layer blobs into
   * the content store, unpacks the layers, then records the image and its names in one transaction.
   */
  async importImage(options: ImportImageOptions): Promise<ImageRecord> {
    const { from, manifest, configBytes, signal } = options;
    const config = parseImageConfig(configBytes);
    const id = manifest.config.digest;
    const manifestDesc = options.manifestDescriptor;
    const release = this.holds.hold([id, manifestDesc.digest, ...manifest.layers.map((l) => l.digest)]);
    try {
      const taken: string[] = [];
      let parent: string | null = null;
      let size = 0;
      const existed = this.get(id) !== undefined;
      if (!existed) {
        if (from !== this.content) {
          await this.content.writeBlob(configBytes, manifest.config, signal);
          for (const layer of manifest.layers) {
            if (!(await this.content.hasBlob(layer.digest))) {
              await this.content.writeBlob(await from.openBlob(layer), layer, signal);
            }
          }
          if (!(await this.content.hasBlob(manifestDesc.digest))) {
            await this.content.writeBlob(await from.openBlob(manifestDesc), manifestDesc, signal);
          }
        } else if (!(await this.content.hasBlob(id))) {
          await this.content.writeBlob(configBytes, manifest.config, signal);
        }
        try {
          for (const [index, layer] of manifest.layers.entries()) {
            const diffId = config.rootfs.diff_ids[index];
            options.onLayer?.(index, 'extracting');
            const source = countBytes(await this.content.openBlob(layer), (done) =>
              options.onLayerBytes?.(index, done),
            );
            const registered = await this.layers.register(source, parent, {
              ...(diffId ? { diffId } : {}),
              compressedDigest: layer.digest,
              compressedSize: layer.size,
              mediaType: layer.mediaType,
              ...(signal ? { signal } : {}),
            });
            taken.push(registered.chainId);
            parent = registered.chainId;
            size += registered.size;
            options.onLayer?.(index, 'done');
          }
          signal?.throwIfAborted();
        } catch (err) {
          for (const chainId of taken.reverse()) await this.layers.release(chainId).catch(() => undefined);
          throw err;
        }
      } else {
        for (const i of manifest.layers.keys()) options.onLayer?.(i, 'exists');
      }
      const inserted = this.db.transaction(() => {
        let added = false;
        if (!this.get(id)) {
          if (existed) return false; // removed meanwhile: the caller may try again
          this.db
            .prepare(
              `INSERT INTO images(id, manifest_digest, manifest_media_type, top_layer, size, created, added)
               VALUES (?, ?, ?, ?, ?, ?, ?)`,
            )
            .run(
              id,
              manifestDesc.digest,
              manifestDesc.mediaType,
              parent,
              size,
              config.created ?? new Date(0).toISOString(),
              new Date().toISOString(),
            );
          added = true;
        }
        for (const tag of options.tags ?? []) this.tag(id, tag);
        for (const name of options.repoDigests ?? []) this.addRepoDigest(id, name);
        if (options.journalId) this.endImport(options.journalId);
        return added;
      })();
      // Imported concurrently by someone else: keep one set of layer references.
      if (!inserted && taken.length > 0)
        for (const chainId of taken.reverse()) await this.layers.release(chainId);
      const record = this.get(id);
      if (!record) throw notFound(`image ${id} was removed while it was being imported`);
      return record;
    } finally {
      release();
    }
  }
}

/** Passes a stream through, reporting how many bytes went by. */
function countBytes(source: Readable, report: (done: number) => void): Readable {
  let done = 0;
  const counter = new PassThrough();
  source.on('error', (err) => counter.destroy(err));
  counter.on('close', () => source.destroy());
  source
    .on('data', (chunk: Buffer) => {
      done += chunk.length;
      report(done);
    })
    .pipe(counter);
  return counter;
}
