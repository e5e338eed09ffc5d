/** Go's tabwriter as Docker configures it: columns at least 10 wide, 3 spaces of padding. */
const MIN_WIDTH = 10;
const PADDING = 3;

/**
 * Aligns tab-separated lines into columns. As with tabwriter, a line's last cell is not part of a
 * column (it is never padded), so only tab-terminated cells set widths.
 */
export function alignColumns(lines: string[]): string {
  const rows = lines.map((line) => line.split('\t'));
  const widths: number[] = [];
  for (const cells of rows) {
    cells.slice(0, -1).forEach((cell, i) => {
      const width = Math.max(MIN_WIDTH, [...cell].length + PADDING);
      widths[i] = Math.max(widths[i] ?? 0, width);
    });
  }
  return rows
    .map((cells) =>
      cells
        .map((cell, i) =>
          i < cells.length - 1 ? cell.padEnd((widths[i] as number) - ([...cell].length - cell.length)) : cell,
        )
        .join(''),
    )
    .map((line) => `${line}\n`)
    .join('');
}
