import { constants } from 'node:os';
import { badRequest } from '../api/api-error.js';

/** A signal as Docker's API takes it (`SIGKILL`, `KILL`, `9`) → its number. */
export function parseSignal(value: string): number {
  const v = value.trim().toUpperCase();
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (n > 0 && n < 65) return n;
  } else {
    const name = v.startsWith('SIG') ? v : `SIG${v}`;
    const n = (constants.signals as Record<string, number>)[name];
    if (n !== undefined) return n;
  }
  throw badRequest(`Invalid signal: ${value}`);
}
