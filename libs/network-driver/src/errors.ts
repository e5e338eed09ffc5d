/** Stable codes of {@link NetworkDriverError}. */
export type NetworkDriverErrorCode =
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_NETWORK_EXISTS'
  | 'ERR_NETWORK_NOT_FOUND'
  | 'ERR_NETWORK_IN_USE'
  | 'ERR_SUBNET_OVERLAP'
  | 'ERR_ADDRESS_IN_USE'
  | 'ERR_ADDRESS_OUT_OF_RANGE'
  | 'ERR_POOL_EXHAUSTED'
  | 'ERR_PORT_IN_USE'
  | 'ERR_SANDBOX_EXISTS'
  | 'ERR_SANDBOX_NOT_FOUND'
  | 'ERR_SANDBOX_IN_USE'
  | 'ERR_ENDPOINT_EXISTS'
  | 'ERR_ENDPOINT_NOT_FOUND'
  | 'ERR_NOT_SUPPORTED'
  | 'ERR_LINK_EXISTS'
  | 'ERR_COMMAND_FAILED'
  | 'ERR_STATE_CORRUPT'
  | 'ERR_LOCK_TIMEOUT';

/** The error class of @berth/network-driver: a stable `code` and a message that says what and where. */
export class NetworkDriverError extends Error {
  override readonly name = 'NetworkDriverError';
  readonly code: NetworkDriverErrorCode;

  constructor(code: NetworkDriverErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
  }
}

export function isNetworkDriverError(err: unknown, code?: NetworkDriverErrorCode): err is NetworkDriverError {
  return err instanceof NetworkDriverError && (code === undefined || err.code === code);
}
