import { badRequest } from '../api/api-error.js';
import { familiar } from './image-inspect.js';
import type { ImageRecord, ImageStore } from './image-store.js';

/** An image with what the filters look at. */
export interface FilterableImage {
  image: ImageRecord;
  labels: Record<string, string>;
}

const KNOWN = new Set(['dangling', 'reference', 'label', 'label!', 'before', 'since', 'until']);

/** Docker's `filters` of `GET /images/json` and `POST /images/prune`; unknown keys are a 400. */
export function imageFilter(
  images: ImageStore,
  filters: Map<string, string[]>,
  allowed: readonly string[] = [...KNOWN],
): (candidate: FilterableImage) => boolean {
  for (const key of filters.keys()) {
    if (!allowed.includes(key)) throw badRequest(`invalid filter '${key}'`);
  }
  const dangling = filters.get('dangling')?.map((v) => v.toLowerCase());
  if (dangling?.some((v) => !['true', 'false', '1', '0'].includes(v))) {
    throw badRequest(`invalid filter 'dangling=${dangling.join(',')}'`);
  }
  const wantDangling = dangling?.length ? dangling.includes('true') || dangling.includes('1') : undefined;
  const createdOf = (ref: string) => Date.parse(images.resolve(ref).created);
  const before = filters.get('before')?.map(createdOf);
  const since = filters.get('since')?.map(createdOf);
  const until = filters.get('until')?.map(parseUntil);
  const references = filters.get('reference') ?? [];
  const labels = filters.get('label') ?? [];
  const notLabels = filters.get('label!') ?? [];
  return ({ image, labels: have }) => {
    const created = Date.parse(image.created);
    if (wantDangling !== undefined && (image.tags.length === 0) !== wantDangling) return false;
    if (before?.some((t) => !(created < t))) return false;
    if (since?.some((t) => !(created > t))) return false;
    if (until?.some((t) => !(created < t))) return false;
    if (references.length && !references.some((p) => image.tags.some((t) => referenceMatches(p, t))))
      return false;
    return labels.every((l) => labelMatches(l, have)) && notLabels.every((l) => !labelMatches(l, have));
  };
}

/** `label=key`, `label=key=value`, and the negated `label!=…` forms. */
export function labelMatches(filter: string, labels: Record<string, string>): boolean {
  const negated = filter.includes('!=');
  const [key, value] = negated ? filter.split('!=', 2) : (filter.split('=', 2) as [string, string?]);
  const hit = key !== undefined && key in labels && (value === undefined || labels[key] === value);
  return negated ? !hit : hit;
}

/** Docker's `reference` filter: a glob on the familiar name, with or without the tag. */
function referenceMatches(pattern: string, fullName: string): boolean {
  const name = familiar(fullName);
  const glob = globToRegExp(pattern);
  const repo = name.slice(0, name.lastIndexOf(':'));
  return glob.test(name) || (!pattern.includes(':') && glob.test(repo));
}

function globToRegExp(pattern: string): RegExp {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

/** `until`: Unix seconds, an RFC 3339 time, or a Go duration before now (`10m`, `1h30m`). */
export function parseUntil(value: string): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const duration = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value);
  if (duration && value !== '') {
    const [, h = '0', m = '0', s = '0'] = duration;
    return Date.now() - ((Number(h) * 60 + Number(m)) * 60 + Number(s)) * 1000;
  }
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw badRequest(`invalid filter 'until=${value}'`);
  return parsed;
}
