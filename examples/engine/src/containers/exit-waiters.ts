type Waiter = (code: number) => void;

const LATE_EXIT_MS = 5_000;
const REMOVED_MEMORY_MS = 60_000;

/**
 * Who waits for a container's next exit or its removal (Docker's wait conditions). The docker CLI
 * sends its wait just before start, concurrently: a quick container may exit (or be removed, with
 * --rm) before that wait arrives, so recent exits and removals are remembered for a few seconds.
 */
export class ExitWaiters {
  readonly #exit = new Map<string, Set<Waiter>>();
  readonly #removal = new Map<string, Set<Waiter>>();
  readonly #unclaimedExit = new Map<string, { code: number; at: number }>();
  readonly #removedCodes = new Map<string, number>();

  #add(table: Map<string, Set<Waiter>>, id: string, signal: AbortSignal): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const set = table.get(id) ?? new Set<Waiter>();
      table.set(id, set);
      const onAbort = () => {
        set.delete(waiter);
        reject(new Error('the client went away'));
      };
      const waiter = (code: number) => {
        signal.removeEventListener('abort', onAbort);
        resolve(code);
      };
      set.add(waiter);
      signal.addEventListener('abort', onAbort);
    });
  }

  nextExit(id: string, signal: AbortSignal): Promise<number> {
    return this.#add(this.#exit, id, signal);
  }

  removal(id: string, signal: AbortSignal): Promise<number> {
    return this.#add(this.#removal, id, signal);
  }

  /** The exit code of an exit that happened just now with nobody waiting, taken once. */
  takeLateExit(id: string): number | undefined {
    const late = this.#unclaimedExit.get(id);
    this.#unclaimedExit.delete(id);
    return late && Date.now() - late.at < LATE_EXIT_MS ? late.code : undefined;
  }

  /** The last exit code of a container removed a moment ago. */
  removedCode(id: string): number | undefined {
    return this.#removedCodes.get(id);
  }

  exited(id: string, code: number): void {
    const set = this.#exit.get(id);
    this.#exit.delete(id);
    if (set?.size) for (const w of set) w(code);
    else this.#unclaimedExit.set(id, { code, at: Date.now() });
  }

  /** Answers removal waits, and exit waits still open on a container that is now gone. */
  removed(id: string, code: number): void {
    this.#unclaimedExit.delete(id);
    this.#removedCodes.set(id, code);
    setTimeout(() => this.#removedCodes.delete(id), REMOVED_MEMORY_MS).unref();
    for (const table of [this.#removal, this.#exit]) {
      const set = table.get(id);
      table.delete(id);
      for (const w of set ?? []) w(code);
    }
  }
}
