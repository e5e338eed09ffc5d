/** `-f key=value` flags (repeatable) as the API's `filters` JSON: `{"key": ["value", …]}`. */
export function filtersParam(
  entries: string[] | undefined,
  extra: [string, string][] = [],
): string | undefined {
  const filters = new Map<string, string[]>();
  const pairs: [string, string][] = (entries ?? []).map((entry) => {
    const at = entry.indexOf('=');
    return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
  });
  for (const [key, value] of [...pairs, ...extra]) filters.set(key, [...(filters.get(key) ?? []), value]);
  return filters.size ? JSON.stringify(Object.fromEntries(filters)) : undefined;
}
