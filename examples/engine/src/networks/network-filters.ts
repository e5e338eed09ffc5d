import { badRequest } from '../api/api-error.js';
import { filterBool } from '../api/request-body.js';
import type { NetworkRow } from './network-store.js';

/** Docker's filter match: the exact value, or the value as a regular expression (`name=^web`). */
function matches(term: string, value: string): boolean {
  if (term === value) return true;
  try {
    return new RegExp(term).test(value);
  } catch {
    return false;
  }
}

function labelMatches(labels: Record<string, string>, term: string): boolean {
  const i = term.indexOf('=');
  if (i < 0) return term in labels;
  return labels[term.slice(0, i)] === term.slice(i + 1);
}

const KNOWN = new Set(['name', 'id', 'driver', 'label', 'type', 'dangling', 'scope']);

/**
 * `GET /networks` filters: name and id (substring or regex), driver, label (`k` or `k=v`), type
 * (custom, builtin), dangling (no container attached), scope (local). Unknown keys are a 400.
 */
export function networkFilter(
  filters: Map<string, string[]>,
  inUse: (row: NetworkRow) => boolean,
  predefined: (row: NetworkRow) => boolean,
): (row: NetworkRow) => boolean {
  for (const key of filters.keys()) if (!KNOWN.has(key)) throw badRequest(`invalid filter '${key}'`);
  for (const t of filters.get('type') ?? []) {
    if (t !== 'custom' && t !== 'builtin') throw badRequest(`invalid filter: 'type'='${t}'`);
  }
  const dangling = (filters.get('dangling') ?? []).map((v) => filterBool('dangling', v));
  const any = (key: string, test: (v: string) => boolean) => {
    const values = filters.get(key) ?? [];
    return values.length === 0 || values.some(test);
  };
  return (row) =>
    any('name', (v) => matches(v, row.name)) &&
    any('id', (v) => matches(v, row.id)) &&
    any('driver', (v) => v === row.driver) &&
    (filters.get('label') ?? []).every((v) => labelMatches(row.labels, v)) &&
    any('type', (v) => (v === 'builtin') === predefined(row)) &&
    any('scope', (v) => v === 'local') &&
    // Docker: dangling=true are the unused custom networks; dangling=false the used ones and the predefined.
    dangling.every((d) => (d ? !predefined(row) && !inUse(row) : predefined(row) || inUse(row)));
}

/** `POST /networks/prune` filters: `until` (created before) and `label` / `label!`. */
export function pruneFilter(filters: Map<string, string[]>): (row: NetworkRow) => boolean {
  for (const key of filters.keys()) {
    if (!['until', 'label', 'label!'].includes(key)) throw badRequest(`invalid filter '${key}'`);
  }
  const untils = (filters.get('until') ?? []).map((u) => {
    const t = /^\d+(\.\d+)?$/.test(u) ? Number(u) * 1000 : Date.parse(u);
    if (Number.isNaN(t)) throw badRequest(`invalid filter 'until=${u}'`);
    return t;
  });
  return (row) =>
    untils.every((t) => Date.parse(row.created) < t) &&
    (filters.get('label') ?? []).every((v) => labelMatches(row.labels, v)) &&
    (filters.get('label!') ?? []).every((v) => !labelMatches(row.labels, v));
}
