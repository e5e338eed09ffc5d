/** Stable codes for failures that are not a bare errno. */
export type LibcontainerErrorCode =
  | 'ERR_SYSCALL'
  | 'ERR_SPEC_INVALID'
  | 'ERR_CONTAINER_NOT_FOUND'
  | 'ERR_CONTAINER_EXISTS'
  | 'ERR_CONTAINER_NOT_RUNNING'
  | 'ERR_CONTAINER_RUNNING'
  | 'ERR_CONTAINER_NOT_CREATED'
  | 'ERR_CONTAINER_START_FAILED'
  | 'ERR_CGROUP'
  | 'ERR_PATH_ESCAPE'
  | 'ERR_MONITOR_LOST';

/**
 * The error class of @berth/libcontainer. Kernel failures carry the syscall, the path and
 * the errno name (`errnoCode`, e.g. `ENOENT`) as well as `errno`.
 */
export class LibcontainerError extends Error {
  override readonly name = 'LibcontainerError';
  readonly code: LibcontainerErrorCode;
  readonly syscall: string | undefined;
  readonly path: string | undefined;
  readonly errno: number | undefined;
  readonly errnoCode: string | undefined;

  constructor(
    code: LibcontainerErrorCode,
    message: string,
    details: { syscall?: string; path?: string; errno?: number; errnoCode?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    this.code = code;
    this.syscall = details.syscall;
    this.path = details.path;
    this.errno = details.errno;
    this.errnoCode = details.errnoCode;
  }
}

export function isLibcontainerError(err: unknown, code?: LibcontainerErrorCode): err is LibcontainerError {
  return err instanceof LibcontainerError && (code === undefined || err.code === code);
}

interface NativeErrorShape {
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
}

/** Turns an error thrown by the addon (see csrc/addon/errors.h) into a LibcontainerError. */
export function fromNativeError(err: unknown): LibcontainerError {
  if (err instanceof LibcontainerError) return err;
  const e = err as NativeErrorShape;
  return new LibcontainerError('ERR_SYSCALL', e.message, {
    syscall: e.syscall,
    path: e.path,
    errno: e.errno,
    errnoCode: e.code,
    cause: err,
  });
}

/** Calls into the addon, converting what it throws. */
export function callNative<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw fromNativeError(err);
  }
}
