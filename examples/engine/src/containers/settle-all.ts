/**
 * Promise.all for steps that each need undoing: it waits for every step to settle before it
 * rejects (with the first failure), so a caller's undo never races a step still running.
 */
export async function settleAll<T extends readonly unknown[]>(
  steps: {
    [K in keyof T]: Promise<T[K]>;
  },
): Promise<T> {
  const results = await Promise.allSettled(steps as readonly Promise<unknown>[]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
