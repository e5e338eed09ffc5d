import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { badRequest } from './api-error.js';

const MAX_JSON_BODY = 8 * 1024 * 1024;

/** Reads a JSON request body (empty is `{}`) and validates it; a bad body is a 400 naming the field. */
export async function readJson<T extends z.ZodType>(req: IncomingMessage, schema: T): Promise<z.infer<T>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_JSON_BODY) throw badRequest(`request body larger than ${MAX_JSON_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  let value: unknown = {};
  if (text !== '' && text !== 'null') {
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw badRequest(`invalid JSON: ${(err as Error).message}`);
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw badRequest(`invalid request body: ${where}${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Docker's boolean query parameters: `1`, `true`, `True` are true; absent is the default. */
export function queryBool(query: URLSearchParams, name: string, fallback = false): boolean {
  const v = query.get(name);
  if (v === null || v === '') return fallback;
  return v === '1' || v.toLowerCase() === 'true';
}

export function queryInt(query: URLSearchParams, name: string): number | undefined {
  const v = query.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw badRequest(`invalid value for ${name}: ${v}`);
  return n;
}

/** Docker's `filters` query parameter: JSON `{"key": ["v", …]}` (or the old `{"key": {"v": true}}`). */
export function queryFilters(query: URLSearchParams): Map<string, string[]> {
  const raw = query.get('filters');
  const filters = new Map<string, string[]>();
  if (!raw) return filters;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw badRequest(`invalid filters: ${raw}`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw badRequest(`invalid filters: ${raw}`);
  for (const [key, value] of Object.entries(parsed)) {
    if (Array.isArray(value)) filters.set(key, value.map(String));
    else if (value && typeof value === 'object')
      filters.set(
        key,
        Object.entries(value)
          .filter(([, on]) => on)
          .map(([k]) => k),
      );
    else throw badRequest(`invalid filter ${key}`);
  }
  return filters;
}

/** A boolean filter value as dockerd takes it: `true`/`1` or `false`/`0`; anything else is a 400. */
export function filterBool(key: string, value: string): boolean {
  const lower = value.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  throw badRequest(`invalid filter '${key}=${value}'`);
}
