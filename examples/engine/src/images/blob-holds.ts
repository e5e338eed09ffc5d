import { rmSync } from 'node:fs';

/**
 * Content blobs that work in progress (a pull, a load, an import) counts on. Deleting an image
 * frees its blobs only when nothing holds them, so a pull that found a blob present is never
 * left without it.
 */
export class BlobHolds {
  readonly #counts = new Map<string, number>();

  /** Holds digests until the returned function is called (once). */
  hold(digests: Iterable<string>): () => void {
    const held = [...new Set(digests)];
    for (const d of held) this.#counts.set(d, (this.#counts.get(d) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const d of held) {
        const n = (this.#counts.get(d) ?? 1) - 1;
        if (n <= 0) this.#counts.delete(d);
        else this.#counts.set(d, n);
      }
    };
  }

  /** Adds one digest to an existing hold set (a pull learns its blobs as it goes). */
  holdOne(digest: string, into: Set<string>): void {
    if (into.has(digest)) return;
    into.add(digest);
    this.#counts.set(digest, (this.#counts.get(digest) ?? 0) + 1);
  }

  releaseAll(from: Set<string>): void {
    for (const d of from) {
      const n = (this.#counts.get(d) ?? 1) - 1;
      if (n <= 0) this.#counts.delete(d);
      else this.#counts.set(d, n);
    }
    from.clear();
  }

  isHeld(digest: string): boolean {
    return this.#counts.has(digest);
  }

  /** Unlinks the blobs nobody holds, synchronously, so no hold can start between check and unlink. */
  removeUnheld(digests: string[], pathOf: (digest: string) => string): string[] {
    const removed: string[] = [];
    for (const d of digests) {
      if (this.isHeld(d)) continue;
      rmSync(pathOf(d), { force: true });
      removed.push(d);
    }
    return removed;
  }
}
