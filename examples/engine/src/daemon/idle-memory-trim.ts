import { trimMemory } from '@berth/libcontainer';

/**
 * Gives freed heap back to the kernel once the daemon goes quiet. glibc keeps what a burst of
 * requests freed as resident memory (about 10 MiB after a few dozen `docker run`s here), and
 * Node never asks for it back. Trims a few seconds after the last request, and once more after
 * V8's idle GC and the graph driver's idle worker (10 s) have freed theirs.
 */
export class IdleMemoryTrim {
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly delaysMs: readonly number[] = [3_000, 12_000],
    private readonly trim: () => unknown = trimMemory,
  ) {}

  /** A request came in: the trims wait for quiet again. */
  activity(): void {
    this.#arm(0);
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  #arm(step: number): void {
    clearTimeout(this.#timer);
    const delay = this.delaysMs[step];
    if (delay === undefined) return;
    this.#timer = setTimeout(() => {
      this.trim();
      this.#arm(step + 1);
    }, delay).unref();
  }
}
