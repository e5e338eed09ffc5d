/** A failure the CLI reports with its own message and exit status (1 unless said otherwise). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The daemon answered with an error status: Docker prints it as `Error response from daemon: …`. */
export class DaemonError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'DaemonError';
  }

  override toString(): string {
    return `Error response from daemon: ${this.message}`;
  }
}

/** An error that is already on the terminal (e.g. printed per item); only the exit status is left to set. */
export class ExitStatus extends Error {
  constructor(readonly exitCode: number) {
    super(`exit status ${exitCode}`);
    this.name = 'ExitStatus';
  }
}

/** What the user sees for any failure. */
export function describeError(err: unknown): string {
  if (err instanceof DaemonError) return err.toString();
  if (err instanceof Error) return err.message;
  return String(err);
}
