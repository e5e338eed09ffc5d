import { createHash } from 'node:crypto';
import type { ContainerConfig } from '@berth/image-spec';
import type { Db } from '../state/database.js';

/** What a build step is, for the cache: its instruction as history records it, and the config it leaves. */
export interface CacheableStep {
  /** The history entry's `created_by` (RUN with its build args, COPY/ADD with its content digest). */
  createdBy: string;
  config: ContainerConfig;
}

/** One image a build step made, as the cache records it. */
export interface BuildCacheEntry {
  imageId: string;
  /** The image the step ran on ('' for the first image of a `FROM scratch` stage). */
  parent: string;
  key: string;
  createdBy: string;
  created: string;
  lastUsed: string | null;
  usageCount: number;
}

interface EntryRow {
  image_id: string;
  parent: string;
  key: string;
  created_by: string;
  created: string;
  last_used: string | null;
  usage_count: number;
}

/** JSON with object keys sorted at every level, so equal configs give equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The cache key of a step: sha256 of its instruction and the config it leaves. */
export function stepCacheKey(step: CacheableStep): string {
  return createHash('sha256')
    .update(canonicalJson({ createdBy: step.createdBy, config: step.config }))
    .digest('hex');
}

const toEntry = (row: EntryRow): BuildCacheEntry => ({
  imageId: row.image_id,
  parent: row.parent,
  key: row.key,
  createdBy: row.created_by,
  created: row.created,
  lastUsed: row.last_used,
  usageCount: row.usage_count,
});

/**
 * The classic builder's cache, as dockerd keeps it: images made by build steps, found by the image
 * the step ran on and the step's key. The images themselves are ordinary (untagged) images; a row
 * goes with its image.
 */
export class BuildCacheStore {
  constructor(readonly db: Db) {}

  /** The newest image a step with `key` made on `parent`, if any. */
  find(parent: string, key: string): string | undefined {
    return this.db
      .prepare(
        `SELECT c.image_id FROM build_cache c JOIN images i ON i.id = c.image_id
         WHERE c.parent = ? AND c.key = ? ORDER BY c.created DESC LIMIT 1`,
      )
      .pluck()
      .get(parent, key) as string | undefined;
  }

  record(entry: Pick<BuildCacheEntry, 'imageId' | 'parent' | 'key' | 'createdBy'>): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO build_cache(image_id, parent, key, created_by, created)
         VALUES (?, ?, ?, ?, ?)`,
      )
      .run(entry.imageId, entry.parent, entry.key, entry.createdBy, new Date().toISOString());
  }

  /** A build reused the entry. */
  touch(imageId: string): void {
    this.db
      .prepare('UPDATE build_cache SET last_used = ?, usage_count = usage_count + 1 WHERE image_id = ?')
      .run(new Date().toISOString(), imageId);
  }

  list(): BuildCacheEntry[] {
    return (this.db.prepare('SELECT * FROM build_cache ORDER BY created').all() as EntryRow[]).map(toEntry);
  }

  /** Drops entries (their images stay): later builds no longer reuse them. */
  forget(imageIds: string[]): void {
    const drop = this.db.prepare('DELETE FROM build_cache WHERE image_id = ?');
    this.db.transaction(() => {
      for (const id of imageIds) drop.run(id);
    })();
  }
}
