import { isImageSpecError } from '@berth/image-spec';

/** Stable codes carried by every RegistryError. Digest and size failures keep image-spec's codes. */
export type RegistryErrorCode =
  | 'ERR_REGISTRY_UNAUTHORIZED'
  | 'ERR_REGISTRY_DENIED'
  | 'ERR_MANIFEST_UNKNOWN'
  | 'ERR_BLOB_UNKNOWN'
  | 'ERR_NAME_UNKNOWN'
  | 'ERR_NAME_INVALID'
  | 'ERR_REGISTRY_UNAVAILABLE'
  | 'ERR_TOO_MANY_REQUESTS'
  | 'ERR_REGISTRY_TLS'
  | 'ERR_REGISTRY_UNSUPPORTED'
  | 'ERR_REGISTRY_REJECTED'
  | 'ERR_BLOB_UPLOAD_INVALID'
  | 'ERR_REGISTRY_PROTOCOL'
  | 'ERR_CREDENTIALS';

/** One entry of the `errors` array a registry sends with a failure (distribution-spec "Error Codes"). */
export interface RemoteErrorDetail {
  code: string;
  message: string;
}

export interface RegistryErrorOptions {
  status?: number;
  /** True when trying again later may succeed (429, 5xx, a dropped connection). */
  retryable?: boolean;
  /** Delay the registry asked for (Retry-After), in milliseconds. */
  retryAfterMs?: number;
  details?: RemoteErrorDetail[];
  cause?: unknown;
}

/**
 * The error class of @berth/registry-client. `code` is stable and meant for programs; `status` is
 * the HTTP status when there was one. Messages name the operation and the registry but never carry
 * credentials, tokens or header values.
 */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  readonly code: RegistryErrorCode;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly details: RemoteErrorDetail[];

  constructor(code: RegistryErrorCode, message: string, options: RegistryErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details ?? [];
  }
}

export function isRegistryError(err: unknown, code?: RegistryErrorCode): err is RegistryError {
  return err instanceof RegistryError && (code === undefined || err.code === code);
}

/** Registry error codes (distribution-spec) and what they become here. */
const REMOTE_CODES: Record<string, RegistryErrorCode> = {
  BLOB_UNKNOWN: 'ERR_BLOB_UNKNOWN',
  BLOB_UPLOAD_INVALID: 'ERR_BLOB_UPLOAD_INVALID',
  BLOB_UPLOAD_UNKNOWN: 'ERR_BLOB_UPLOAD_INVALID',
  DIGEST_INVALID: 'ERR_REGISTRY_REJECTED',
  MANIFEST_BLOB_UNKNOWN: 'ERR_REGISTRY_REJECTED',
  MANIFEST_INVALID: 'ERR_REGISTRY_REJECTED',
  MANIFEST_UNKNOWN: 'ERR_MANIFEST_UNKNOWN',
  MANIFEST_UNVERIFIED: 'ERR_REGISTRY_REJECTED',
  NAME_INVALID: 'ERR_NAME_INVALID',
  NAME_UNKNOWN: 'ERR_NAME_UNKNOWN',
  SIZE_INVALID: 'ERR_REGISTRY_REJECTED',
  TAG_INVALID: 'ERR_REGISTRY_REJECTED',
  UNAUTHORIZED: 'ERR_REGISTRY_UNAUTHORIZED',
  DENIED: 'ERR_REGISTRY_DENIED',
  UNSUPPORTED: 'ERR_REGISTRY_UNSUPPORTED',
  TOOMANYREQUESTS: 'ERR_TOO_MANY_REQUESTS',
};

/** Parses the `errors` array of a registry's error body; anything else gives an empty list. */
export function parseRemoteErrors(body: string): RemoteErrorDetail[] {
  try {
    const doc = JSON.parse(body) as { errors?: unknown };
    if (!Array.isArray(doc.errors)) return [];
    return doc.errors
      .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
      .map((e) => ({
        code: typeof e.code === 'string' ? e.code : 'UNKNOWN',
        message: typeof e.message === 'string' ? e.message.slice(0, 300) : '',
      }));
  } catch {
    return [];
  }
}

export interface ResponseErrorContext {
  /** What was being done, e.g. `GET manifest busybox:latest from 127.0.0.1:5000`. */
  what: string;
  /** The code a plain 404 means for this request. */
  notFound?: RegistryErrorCode;
  retryAfterMs?: number;
}

/** Builds the RegistryError for an unexpected HTTP answer. */
export function errorFromResponse(status: number, body: string, ctx: ResponseErrorContext): RegistryError {
  const details = parseRemoteErrors(body);
  const first = details[0];
  const byStatus = codeForStatus(status, ctx.notFound);
  // The status decides for auth and availability; the body refines 4xx answers.
  const code =
    byStatus === 'ERR_REGISTRY_UNAUTHORIZED' ||
    byStatus === 'ERR_REGISTRY_DENIED' ||
    byStatus === 'ERR_TOO_MANY_REQUESTS' ||
    byStatus === 'ERR_REGISTRY_UNAVAILABLE'
      ? byStatus
      : ((first && REMOTE_CODES[first.code]) ?? byStatus);
  const said = details.length
    ? `: ${details.map((d) => `${d.code}${d.message ? ` (${d.message})` : ''}`).join(', ')}`
    : '';
  return new RegistryError(code, `${ctx.what}: registry answered ${status}${said}`, {
    status,
    retryable: status === 429 || status === 408 || status >= 500,
    retryAfterMs: ctx.retryAfterMs,
    details,
  });
}

function codeForStatus(status: number, notFound: RegistryErrorCode | undefined): RegistryErrorCode {
  if (status === 401) return 'ERR_REGISTRY_UNAUTHORIZED';
  if (status === 403) return 'ERR_REGISTRY_DENIED';
  if (status === 404) return notFound ?? 'ERR_NAME_UNKNOWN';
  if (status === 405) return 'ERR_REGISTRY_UNSUPPORTED';
  if (status === 416) return 'ERR_BLOB_UPLOAD_INVALID';
  if (status === 429) return 'ERR_TOO_MANY_REQUESTS';
  if (status >= 500 || status === 408) return 'ERR_REGISTRY_UNAVAILABLE';
  if (status >= 400) return 'ERR_REGISTRY_REJECTED';
  return 'ERR_REGISTRY_PROTOCOL';
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

/** Is this a TLS handshake or certificate failure? */
export function isTlsFailure(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TLS_CODES.has(code)) return true;
    if (/certificate|SSL routines|wrong version number/i.test(e.message)) return true;
  }
  return false;
}

/** Wraps a transport-level failure (refused, reset, TLS) as a RegistryError. Aborts pass through. */
export function transportError(err: unknown, what: string): unknown {
  if (isAbort(err) || err instanceof RegistryError || isImageSpecError(err)) return err;
  const code = (err as { code?: unknown })?.code;
  const reason = typeof code === 'string' ? code : err instanceof Error ? err.message : String(err);
  if (isTlsFailure(err)) {
    return new RegistryError('ERR_REGISTRY_TLS', `${what}: TLS failed (${reason})`, { cause: err });
  }
  return new RegistryError('ERR_REGISTRY_UNAVAILABLE', `${what}: connection failed (${reason})`, {
    retryable: true,
    cause: err,
  });
}

export function isAbort(err: unknown): boolean {
  return (
    err instanceof Error && (err.name === 'AbortError' || (err as { code?: unknown }).code === 'ABORT_ERR')
  );
}

/** A URL fit for an error message: no user info, no query string (upload state, tokens). */
export function safeUrl(url: string | URL): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}
