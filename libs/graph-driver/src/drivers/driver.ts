import type { Readable } from 'node:stream';
import type { ApplyLayerOptions, ApplyLayerResult } from '../apply/apply-layer.js';
import type { IdMappings } from '../apply/id-map.js';
import type { Change } from '../diff/entries.js';
import { GraphDriverError } from '../errors.js';

export type { Change };

/** Options of applyDiff: what applyLayer takes, minus what the driver decides. */
export type ApplyDiffOptions = Omit<ApplyLayerOptions, 'whiteouts' | 'lowerDirs' | 'inPlace' | 'idMappings'>;

export interface DriverOptions {
  /** Container → host id mappings applied to every layer (user namespaces). */
  idMappings?: IdMappings;
}

/**
 * A graph driver stores layers as directories and gives each a mountable root: moby's
 * graphdriver verbs, containerd-style errors. Layers are named by the caller (`id`); each
 * has at most one parent. A layer is read-only (`create`, then filled once by
 * `applyDiff`) or read-write (`createReadWrite`, a container's writable layer).
 */
export interface GraphDriver {
  readonly name: 'overlay' | 'vfs';
  /** The directory this driver owns. */
  readonly home: string;
  /** Creates an empty read-only layer on top of `parent`. ERR_LAYER_EXISTS, ERR_LAYER_NOT_FOUND (parent). */
  create(id: string, parent?: string | null): Promise<void>;
  /** Creates a read-write layer on top of `parent`. */
  createReadWrite(id: string, parent?: string | null): Promise<void>;
  /** Deletes a layer. ERR_LAYER_IN_USE while it is mounted (`get` without `put`). */
  remove(id: string): Promise<void>;
  /** The layer's root filesystem (mounted on first use); counts references. */
  get(id: string): Promise<string>;
  /** Releases a reference taken by `get`; the last one unmounts. */
  put(id: string): Promise<void>;
  exists(id: string): Promise<boolean>;
  /** The layer's changes against its parent as an OCI layer tar (whiteouts `.wh.`). */
  diff(id: string, parent?: string | null): Readable;
  changes(id: string, parent?: string | null): Promise<Change[]>;
  /** Fills a layer from a layer tar (compressed or not); atomic: all of it or nothing. */
  applyDiff(
    id: string,
    parent: string | null | undefined,
    diff: Readable | AsyncIterable<Uint8Array>,
    options?: ApplyDiffOptions,
  ): Promise<ApplyLayerResult>;
  /** Bytes of regular-file content the layer changes. */
  diffSize(id: string, parent?: string | null): Promise<number>;
  status(): Promise<Record<string, string>>;
  /** Unmounts everything the driver mounted (at shutdown). */
  cleanup(): Promise<void>;
  /** Ids of the layers present. */
  list(): string[];
}

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Layer ids become directory names: letters, digits, `_.-`, at most 128, no leading dot. */
export function checkId(id: string): string {
  if (!ID_RE.test(id))
    throw new GraphDriverError('ERR_LAYER_INVALID', `invalid layer id ${JSON.stringify(id)}`);
  return id;
}

export const notFound = (id: string) =>
  new GraphDriverError('ERR_LAYER_NOT_FOUND', `layer ${id} does not exist`, { path: id });

/** Serialises async work per key (one mount/unmount/apply per layer at a time). */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.#tails.set(key, tail);
    tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return next;
  }
}
