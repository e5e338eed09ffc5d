/** One message of Docker's JSON progress stream (pull, push, load), as the docker CLI renders it. */
export interface ProgressMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  progress?: string;
  stream?: string;
  aux?: unknown;
  error?: string;
  errorDetail?: { message: string; code?: number };
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** go-units' HumanSize: decimal units, 4 significant digits (`2.217MB`, `512B`). */
export function humanSize(bytes: number): string {
  let size = bytes;
  let unit = 0;
  while (size >= 1000 && unit < UNITS.length - 1) {
    size /= 1000;
    unit++;
  }
  return `${Number(size.toPrecision(4))}${UNITS[unit]}`;
}

/** The bar Docker draws for a transfer: `[=====>      ]  1.2MB/3.4MB`. */
export function progressBar(current: number, total: number): string {
  const numbers = `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  if (total <= 0) return humanSize(current).padStart(8);
  if (current > total) return numbers;
  const filled = Math.min(50, Math.floor(Math.floor((current / total) * 100) / 2));
  return `[${'='.repeat(filled)}>${' '.repeat(50 - filled)}] ${numbers}`;
}

export function statusMessage(status: string, id?: string): ProgressMessage {
  return id === undefined ? { status } : { status, id };
}

/** A layer's state change (`Pulling fs layer`, `Pull complete`, `Pushed`). */
export function layerMessage(status: string, id: string): ProgressMessage {
  return { status, progressDetail: {}, id };
}

export function transferMessage(status: string, id: string, current: number, total: number): ProgressMessage {
  return { status, progressDetail: { current, total }, progress: progressBar(current, total), id };
}

/** A failure ending the stream; `code` is an exit status for the CLI to exit with (a failed RUN's). */
export function errorMessage(message: string, code?: number): ProgressMessage {
  return { errorDetail: code === undefined ? { message } : { code, message }, error: message };
}

/** Docker names a layer in progress output by the first 12 hex digits of a digest. */
export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
