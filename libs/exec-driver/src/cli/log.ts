import { appendFileSync } from 'node:fs';
import type { GlobalFlags } from './args.js';

/** Writes an error as runc does: to --log (JSON lines with --log-format json) and to stderr. */
export function reportError(global: GlobalFlags, err: unknown): void {
  const e = err as { message?: string; code?: string; field?: string };
  const msg = e?.message ?? String(err);
  if (global.log) {
    const line =
      global.logFormat === 'json'
        ? `${JSON.stringify({ level: 'error', msg, time: new Date().toISOString() })}\n`
        : `time="${new Date().toISOString()}" level=error msg=${JSON.stringify(msg)}\n`;
    try {
      appendFileSync(global.log, line);
    } catch {
      // the log is best effort
    }
  }
  process.stderr.write(`berth-runtime: ${msg}${global.debug && e?.code ? ` (${e.code})` : ''}\n`);
}
