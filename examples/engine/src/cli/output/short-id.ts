/** Docker's 12-character IDs, without the `sha256:` algorithm prefix. */
export function shortId(id: string): string {
  const bare = id.startsWith('sha256:') ? id.slice('sha256:'.length) : id;
  return bare.slice(0, 12);
}

/** Cuts text to `max` characters, marking the cut with an ellipsis (Docker's `Ellipsis`). */
export function ellipsis(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return `${chars.slice(0, max - 1).join('')}…`;
}
