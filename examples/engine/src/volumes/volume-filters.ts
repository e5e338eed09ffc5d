import { badRequest } from '../api/api-error.js';
import { filterBool } from '../api/request-body.js';
import { labelMatches } from '../images/image-filters.js';
import type { VolumeRecord } from './volume-service.js';

/** `GET /volumes` filters: name (substring), driver, label (`k`, `k=v`), dangling (not used by a container). */
export function volumeListFilter(
  filters: Map<string, string[]>,
  inUse: (v: VolumeRecord) => boolean,
): (v: VolumeRecord) => boolean {
  for (const key of filters.keys()) {
    if (!['name', 'driver', 'label', 'dangling'].includes(key)) throw badRequest(`invalid filter '${key}'`);
  }
  const dangling = (filters.get('dangling') ?? []).map((d) => filterBool('dangling', d));
  const any = (key: string, test: (value: string) => boolean) => {
    const values = filters.get(key) ?? [];
    return values.length === 0 || values.some(test);
  };
  return (v) =>
    any('name', (n) => v.name.includes(n)) &&
    any('driver', (d) => d === v.driver) &&
    (filters.get('label') ?? []).every((l) => labelMatches(l, v.labels)) &&
    dangling.every((d) => d === !inUse(v));
}

/**
 * `POST /volumes/prune` filters: `label`, `label!`, and `all` — without `all=true` only anonymous
 * volumes go, as dockerd does since API 1.42 (named volumes hold data people chose to keep).
 */
export function volumePruneFilter(
  filters: Map<string, string[]>,
  apiAtLeast142: boolean,
): (v: VolumeRecord) => boolean {
  for (const key of filters.keys()) {
    if (!['label', 'label!', 'all'].includes(key)) throw badRequest(`invalid filter '${key}'`);
  }
  const all = !apiAtLeast142 || (filters.get('all') ?? []).some((a) => filterBool('all', a));
  return (v) =>
    (all || v.anonymous) &&
    (filters.get('label') ?? []).every((l) => labelMatches(l, v.labels)) &&
    (filters.get('label!') ?? []).every((l) => !labelMatches(l, v.labels));
}
