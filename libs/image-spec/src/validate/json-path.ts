/** `layers[2].digest` from a path of keys such as zod's `['layers', 2, 'digest']`. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join('');
}
