/** The `rel="next"` target of an RFC 8288 Link header, e.g. `</v2/x/tags/list?n=2&last=b>; rel="next"`. */
export function nextLink(header: string | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (m && /;\s*rel="?next"?/i.test(m[2]!)) return m[1];
  }
  return undefined;
}
