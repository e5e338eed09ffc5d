/**
 * Sizes as Docker's go-units reads them: a number (fractions allowed), an optional space, then an
 * optional unit k, m, g, t or p, which may be followed by `b` or `ib`; a bare `b` means bytes.
 * Case does not matter, and the unit letter alone decides the multiplier (so `1kib` is 1000 in
 * decimal), as in go-units.
 */
const SIZE = /^(\d+(?:\.\d*)?|\.\d+) ?(?:([kmgtp])(?:i?b)?|b)?$/i;
const POWERS: Record<string, number> = { k: 1, m: 2, g: 3, t: 4, p: 5 };

function parseSize(text: string, base: number): number {
  const m = SIZE.exec(text);
  if (!m) throw new Error(`invalid size: '${text}'`);
  const power = m[2] ? (POWERS[m[2].toLowerCase()] as number) : 0;
  // Go converts the float to int64, which truncates.
  return Math.trunc(Number(m[1]) * base ** power);
}

/** go-units FromHumanSize: decimal units (`1k` is 1000), what json-file's `max-size` takes. */
export const fromHumanSize = (text: string): number => parseSize(text, 1000);

/** go-units RAMInBytes: binary units (`1k` is 1024), what `max-buffer-size` takes. */
export const ramInBytes = (text: string): number => parseSize(text, 1024);
