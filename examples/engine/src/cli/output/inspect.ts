import type { CliContext } from '../context.js';
import { DaemonError, ExitStatus } from '../errors.js';
import { renderEach } from './format.js';

/** Looks one name up; answers undefined when the daemon has no such object (404). */
export type InspectLookup = (name: string) => Promise<unknown | undefined>;

/** Docker's 404 means "try the next kind of object"; other errors are real failures. */
export async function unlessNotFound<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request;
  } catch (err) {
    if (err instanceof DaemonError && err.status === 404) return undefined;
    throw err;
  }
}

/**
 * `inspect`: a JSON array of what was found (4-space indent, as docker prints it), or the template per
 * object; each name not found is an `Error: No such …` line and makes the command fail.
 */
export async function printInspect(
  ctx: CliContext,
  names: string[],
  lookup: InspectLookup,
  options: { format?: string; kind: string },
): Promise<void> {
  const found: unknown[] = [];
  const missing: string[] = [];
  for (const name of names) {
    const value = await lookup(name);
    if (value === undefined) missing.push(name);
    else found.push(value);
  }
  if (options.format) ctx.stdout.write(renderEach(found, options.format));
  else ctx.stdout.write(`${found.length ? JSON.stringify(found, null, 4) : '[]'}\n`);
  for (const name of missing) ctx.stderr.write(`Error: No such ${options.kind}: ${name}\n`);
  if (missing.length) throw new ExitStatus(1);
}
