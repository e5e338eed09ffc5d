import { fromHumanSize, ramInBytes } from './human-size.js';

/** Docker's `HostConfig.LogConfig`, and the daemon's default (`log-driver`, `log-opts`). */
export interface LogConfig {
  Type: string;
  Config: Record<string, string>;
}

/** The drivers this engine has. */
export const LOG_DRIVERS = ['json-file', 'none'] as const;

/** dockerd's default: `log-driver` json-file, no `log-opts`. */
export const defaultLogConfig = (): LogConfig => ({ Type: 'json-file', Config: {} });

/** json-file's own options (dockerd's jsonfilelog.ValidateLogOpt). */
const JSON_FILE_OPTIONS = new Set([
  'max-size',
  'max-file',
  'compress',
  'labels',
  'labels-regex',
  'env',
  'env-regex',
  'tag',
]);

/** Options dockerd takes for every driver that keeps a log (delivery mode). */
const DELIVERY_OPTIONS = new Set(['mode', 'max-buffer-size']);

/** Go's strconv.ParseBool. */
const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** A log config dockerd would refuse; the message is dockerd's where it has one. */
export class LogConfigError extends Error {
  constructor(
    /** What is wrong: the driver (`Type`, daemon.json `log-driver`) or an option (`log-opts`). */
    readonly part: 'driver' | 'options',
    message: string,
  ) {
    super(message);
  }
}

const badOption = (message: string) => new LogConfigError('options', message);

/**
 * The log config a container gets, as dockerd's mergeAndVerifyLogConfig makes it: no type means
 * the daemon's default, and a container of the default type gets the default's options it does
 * not set itself. Throws LogConfigError for what the engine cannot honour.
 */
export function effectiveLogConfig(
  requested: Partial<LogConfig> | null | undefined,
  daemon: LogConfig,
): LogConfig {
  const Type = requested?.Type || daemon.Type;
  const Config = { ...(requested?.Config ?? {}) };
  if (Type === daemon.Type) {
    for (const [key, value] of Object.entries(daemon.Config))
      if (!Object.hasOwn(Config, key)) Config[key] = value;
  }
  const effective: LogConfig = { Type, Config };
  checkLogConfig(effective);
  return effective;
}

/** Checks a driver and its options; unlike dockerd, values are checked too (now, not at start). */
export function checkLogConfig({ Type, Config }: LogConfig): void {
  if (!(LOG_DRIVERS as readonly string[]).includes(Type))
    throw new LogConfigError('driver', `logger: no log driver named '${Type}' is registered`);
  for (const key of Object.keys(Config)) {
    if (Type === 'json-file' && (JSON_FILE_OPTIONS.has(key) || DELIVERY_OPTIONS.has(key))) continue;
    throw badOption(`unknown log opt '${key}' for ${Type} log driver`);
  }
  if (Type === 'json-file') {
    checkDelivery(Config);
    checkJsonFile(Config);
  }
}

function checkDelivery(config: Record<string, string>): void {
  const mode = config.mode ?? '';
  if (!['', 'blocking', 'non-blocking'].includes(mode))
    throw badOption(`logger: logging mode not supported: ${mode}`);
  const buffer = config['max-buffer-size'];
  if (buffer === undefined) return;
  if (mode !== 'non-blocking')
    throw badOption("logger: max-buffer-size option is only supported with 'mode=non-blocking'");
  try {
    ramInBytes(buffer);
  } catch (err) {
    throw badOption(`error parsing option max-buffer-size: ${(err as Error).message}`);
  }
}

function checkJsonFile(config: Record<string, string>): void {
  const size = config['max-size'];
  if (size !== undefined) {
    let bytes: number;
    try {
      bytes = fromHumanSize(size);
    } catch {
      throw badOption(
        `invalid value '${size}' for log opt 'max-size': expected a size such as 10m, 1k, 2g or a number of bytes`,
      );
    }
    if (bytes <= 0) throw badOption('max-size must be a positive number');
  }
  const files = config['max-file'];
  if (files !== undefined) {
    if (!/^[+-]?\d+$/.test(files))
      throw badOption(`invalid value '${files}' for log opt 'max-file': expected an integer`);
    if (Number(files) < 1) throw badOption('max-file cannot be less than 1');
  }
  const compress = config.compress;
  if (compress !== undefined) {
    if (TRUE.has(compress))
      throw badOption(
        'log opt compress=true is not supported by this engine: rotated json-file logs are not compressed',
      );
    if (!FALSE.has(compress))
      throw badOption(`invalid value '${compress}' for log opt 'compress': expected true or false`);
  }
}

/**
 * A container record's log config. Containers made before the engine honoured LogConfig kept
 * what was sent (often `{Type: ""}`): they have always had an unbounded json-file log.
 */
export function logConfigOf(hostConfig: { LogConfig?: unknown }): LogConfig {
  const stored = hostConfig.LogConfig as Partial<LogConfig> | null | undefined;
  if (!stored?.Type) return defaultLogConfig();
  return { Type: stored.Type, Config: stored.Config ?? {} };
}

/** Whether the driver keeps a log that `docker logs` and attach's `logs=1` can read. */
export const keepsLog = (log: LogConfig): boolean => log.Type !== 'none';
