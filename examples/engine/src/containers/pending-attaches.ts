import type { Attachment } from '@berth/exec-driver';

/** Who gets the container's stdio when it starts (attach requests made before start, as `docker run` does). */
export type PendingAttach = (attachment: Attachment | undefined) => void;

export class PendingAttaches {
  readonly #byContainer = new Map<string, Set<PendingAttach>>();

  /** Registers a callback; returns the function that cancels it. */
  add(id: string, callback: PendingAttach): () => void {
    const set = this.#byContainer.get(id) ?? new Set<PendingAttach>();
    this.#byContainer.set(id, set);
    set.add(callback);
    return () => set.delete(callback);
  }

  /** Hands each waiting client its own attachment (made by `connect`) now that the container exists. */
  async connect(id: string, connect: () => Promise<Attachment>): Promise<void> {
    const set = this.#byContainer.get(id);
    this.#byContainer.delete(id);
    for (const callback of set ?? []) callback(await connect());
  }

  /** The start failed: waiting clients get nothing (their streams end). */
  fail(id: string): void {
    const set = this.#byContainer.get(id);
    this.#byContainer.delete(id);
    for (const callback of set ?? []) callback(undefined);
  }
}
