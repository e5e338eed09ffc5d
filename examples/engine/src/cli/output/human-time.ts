/** Docker's (go-units) rough durations: "3 seconds", "About a minute", "2 hours", "5 weeks". */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** "3 seconds ago" from a time in the past (Date, ISO text, or Unix seconds). */
export function timeAgo(when: Date | string | number, now = Date.now()): string {
  const ms = toDate(when).getTime();
  if (Number.isNaN(ms)) return 'N/A';
  return `${humanDuration(Math.max(0, now - ms))} ago`;
}

export function toDate(when: Date | string | number): Date {
  if (when instanceof Date) return when;
  return typeof when === 'number' ? new Date(when * 1000) : new Date(when);
}

/** Docker's `CreatedAt` column: "2024-01-02 15:04:05 +0000 UTC" (local time as Go prints it). */
export function goTimeString(when: Date | string | number): string {
  const d = toDate(when);
  const pad = (n: number) => String(n).padStart(2, '0');
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  const zone = Intl.DateTimeFormat('en-US', { timeZoneName: 'short' })
    .formatToParts(d)
    .find((p) => p.type === 'timeZoneName')?.value;
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)} ${zone === 'GMT' || !zone ? 'UTC' : zone}`
  );
}

const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const GO_DURATION_PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * `--since`/`--until` as Docker reads them: a Go duration ("10m", "1h30m") back from now, RFC 3339 or
 * a date, or Unix seconds. Answers Unix seconds as text (what the API takes).
 */
export function timestampParam(value: string, now = Date.now()): string {
  if (/^\d+(\.\d+)?$/.test(value)) return value;
  if (GO_DURATION.test(value)) {
    let ms = 0;
    for (const m of value.matchAll(GO_DURATION_PART))
      ms += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    return String(Math.floor((now - ms) / 1000));
  }
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new Error(`invalid value for time: ${value}`);
  return String(Math.floor(parsed / 1000));
}
