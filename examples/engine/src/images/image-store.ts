import type { LayerStore } from '@berth/graph-driver';
import {
  type Descriptor,
  type ImageConfig,
  type ImageManifest,
  type OciLayout,
  parseImageConfig,
  parseReference,
  withDefaultTag,
} from '@berth/image-spec';
import { notFound } from '../api/api-error.js';
import type { Db } from '../state/database.js';

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
  signal?: AbortSignal;
  /** Called as each layer starts unpacking (index into manifest.layers). */
  onLayer?: (index: number, state: 'extracting' | 'done' | 'exists') => void;
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
 * An image becomes visible (its row) only after all its layers are registered.
 */
export class ImageStore {
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
    let key: string | undefined;
    try {
      key = normalizeName(nameOrId);
    } catch {
      key = undefined;
    }
    if (key) {
      const table = key.includes('@') ? 'image_digests' : 'image_tags';
      const id = this.db.prepare(`SELECT image_id FROM ${table} WHERE name = ?`).pluck().get(key) as
        | string
        | undefined;
      if (id) return this.get(id);
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

  async config(id: string): Promise<ImageConfig> {
    return parseImageConfig(await this.content.readBlob({ digest: id }));
  }

  /** Points a tag at an image (moving it if it pointed elsewhere). */
  tag(id: string, name: string): void {
    this.db
      .prepare(
        'INSERT INTO image_tags(name, image_id) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET image_id = excluded.image_id',
      )
      .run(normalizeName(name), id);
  }

  /**
   * Makes an image from a manifest whose blobs are in `from`: copies config and layer blobs into
   * the content store, unpacks the layers, then records the image and its names in one transaction.
   */
  async importImage(options: ImportImageOptions): Promise<ImageRecord> {
    const { from, manifest, configBytes, signal } = options;
    const config = parseImageConfig(configBytes);
    const id = manifest.config.digest;
    if (!this.get(id)) {
      if (from !== this.content) {
        await this.content.writeBlob(configBytes, manifest.config, signal);
        for (const layer of manifest.layers) {
          if (!(await this.content.hasBlob(layer.digest))) {
            await this.content.writeBlob(await from.openBlob(layer), layer, signal);
          }
        }
      } else if (!(await this.content.hasBlob(id))) {
        await this.content.writeBlob(configBytes, manifest.config, signal);
      }
      const manifestDesc = options.manifestDescriptor;
      if (from !== this.content && !(await this.content.hasBlob(manifestDesc.digest))) {
        await this.content.writeBlob(await from.openBlob(manifestDesc), manifestDesc, signal);
      }
      const taken: string[] = [];
      let parent: string | null = null;
      let size = 0;
      try {
        for (const [index, layer] of manifest.layers.entries()) {
          const diffId = config.rootfs.diff_ids[index];
          options.onLayer?.(index, 'extracting');
          const registered = await this.layers.register(await this.content.openBlob(layer), parent, {
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
      } catch (err) {
        for (const chainId of taken.reverse()) await this.layers.release(chainId).catch(() => undefined);
        throw err;
      }
      const inserted = this.db.transaction(() => {
        if (this.get(id)) return false; // imported concurrently: keep one set of layer references
        this.db
          .prepare(
            `INSERT INTO images(id, manifest_digest, manifest_media_type, top_layer, size, created, added)
             VALUES (?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            id,
            options.manifestDescriptor.digest,
            options.manifestDescriptor.mediaType,
            parent,
            size,
            config.created ?? new Date(0).toISOString(),
            new Date().toISOString(),
          );
        return true;
      })();
      if (!inserted) for (const chainId of taken.reverse()) await this.layers.release(chainId);
    } else {
      for (const i of manifest.layers.keys()) options.onLayer?.(i, 'exists');
    }
    this.db.transaction(() => {
      for (const tag of options.tags ?? []) this.tag(id, tag);
      for (const name of options.repoDigests ?? []) {
        this.db.prepare('INSERT OR REPLACE INTO image_digests(name, image_id) VALUES (?, ?)').run(name, id);
      }
    })();
    return this.get(id) as ImageRecord;
  }
}
