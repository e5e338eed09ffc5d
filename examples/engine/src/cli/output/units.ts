const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

/** Go's `%.<precision>g`: shortest of fixed or exponent form, trailing zeros dropped. */
export function formatG(value: number, precision: number): string {
  if (value === 0) return '0';
  const [mantissa = '0', exponentText = '0'] = value.toExponential(precision - 1).split('e');
  const exponent = Number(exponentText);
  const trim = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exponent < -4 || exponent >= precision) {
    const sign = exponent < 0 ? '-' : '+';
    return `${trim(mantissa)}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return trim(value.toFixed(Math.max(0, precision - 1 - exponent)));
}

function scale(size: number, base: number, units: string[]): [number, string] {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return [size, units[i] as string];
}

/** Docker's image and container sizes: decimal units, 3 significant digits ("2.14MB"). */
export function humanSize(bytes: number, precision = 3): string {
  const [size, unit] = scale(bytes, 1000, DECIMAL_UNITS);
  return `${formatG(size, precision)}${unit}`;
}

/** Memory sizes: binary units, 4 significant digits ("7.764GiB"). */
export function bytesSize(bytes: number): string {
  const [size, unit] = scale(bytes, 1024, BINARY_UNITS);
  return `${formatG(size, 4)}${unit}`;
}

const RAM_SIZE = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i;
const RAM_MULTIPLIER: Record<string, number> = {
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/** `--memory 512m`: a size in binary units, as Docker's RAMInBytes reads it. */
export function ramInBytes(text: string): number {
  const m = RAM_SIZE.exec(text.trim());
  if (!m) throw new Error(`invalid size: '${text}'`);
  const multiplier = m[2] ? (RAM_MULTIPLIER[m[2].toLowerCase()] as number) : 1;
  return Math.floor(Number(m[1]) * multiplier);
}
