import type { CliContext } from '../context.js';
import { describeError, ExitStatus } from '../errors.js';

/**
 * Docker's multi-target commands (`rm a b`, `stop a b`): do each in turn, print each failure as it
 * happens, and fail the command at the end if any did.
 */
export async function forEachTarget(
  ctx: CliContext,
  targets: string[],
  action: (target: string) => Promise<void>,
): Promise<void> {
  let failed = false;
  for (const target of targets) {
    try {
      await action(target);
    } catch (err) {
      failed = true;
      ctx.stderr.write(`${describeError(err)}\n`);
    }
  }
  if (failed) throw new ExitStatus(1);
}
