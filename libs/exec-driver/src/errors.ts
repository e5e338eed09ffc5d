/** Stable codes; the same meaning as in the other @berth libraries where they overlap. */
export type ExecDriverErrorCode =
  | 'ERR_SPEC_INVALID'
  | 'ERR_IMAGE_CONFIG_INVALID'
  | 'ERR_USER_NOT_FOUND'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_CONTAINER_NOT_FOUND'
  | 'ERR_CONTAINER_EXISTS'
  | 'ERR_CONTAINER_NOT_CREATED'
  | 'ERR_CONTAINER_NOT_RUNNING'
  | 'ERR_CONTAINER_RUNNING'
  | 'ERR_CONTAINER_PAUSED'
  | 'ERR_CONTAINER_START_FAILED'
  | 'ERR_CGROUP'
  | 'ERR_HOOK_FAILED'
  | 'ERR_MONITOR_LOST'
  | 'ERR_SYSCALL';

/**
 * The error class of @berth/exec-driver. `field` names the bad part of an input
 * (`linux.namespaces[2].type`, `config.User`); `cause` keeps a libcontainer error.
 */
export class ExecDriverError extends Error {
  override readonly name = 'ExecDriverError';
  readonly code: ExecDriverErrorCode;
  readonly field: string | undefined;

  constructor(code: ExecDriverErrorCode, message: string, details: { field?: string; cause?: unknown } = {}) {
    super(message, { cause: details.cause });
    this.code = code;
    this.field = details.field;
  }
}

export function isExecDriverError(err: unknown, code?: ExecDriverErrorCode): err is ExecDriverError {
  return err instanceof ExecDriverError && (code === undefined || err.code === code);
}

const PASSTHROUGH = new Set<string>([
  'ERR_SPEC_INVALID',
  'ERR_CONTAINER_NOT_FOUND',
  'ERR_CONTAINER_EXISTS',
  'ERR_CONTAINER_NOT_RUNNING',
  'ERR_CONTAINER_RUNNING',
  'ERR_CONTAINER_NOT_CREATED',
  'ERR_CONTAINER_START_FAILED',
  'ERR_CGROUP',
  'ERR_MONITOR_LOST',
  'ERR_SYSCALL',
]);

/** Wraps an error from @berth/libcontainer (same code where one exists) once, at the driver's edge. */
export function wrapError(err: unknown, fallback: ExecDriverErrorCode = 'ERR_SYSCALL'): ExecDriverError {
  if (err instanceof ExecDriverError) return err;
  const e = err as { code?: unknown; message?: string; path?: string };
  const code =
    typeof e?.code === 'string' && PASSTHROUGH.has(e.code) ? (e.code as ExecDriverErrorCode) : fallback;
  return new ExecDriverError(code, e?.message ?? String(err), { field: e?.path, cause: err });
}
