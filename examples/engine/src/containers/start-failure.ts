import { ApiError } from '../api/api-error.js';

export interface StartFailure {
  error: Error;
  message: string;
  /** What State.ExitCode shows: 127 not found, 126 not executable, 128 anything else (dockerd's values). */
  exitCode: number;
}

const PREFIX =
  'failed to create task for container: OCI runtime create failed: unable to start container process';

/**
 * A failed start as Docker reports it: a command that cannot run is a 400 whose message carries
 * runc's words ("no such file or directory", "executable file not found", "permission denied"),
 * which the docker CLI turns into its exit codes 127 and 126.
 */
export function startFailure(err: unknown, command: string): StartFailure {
  if (err instanceof ApiError) return { error: err, message: err.message, exitCode: 128 };
  const raw = (err as Error).message ?? String(err);
  const cannotRun = commandFailure(raw, command);
  if (cannotRun) {
    const message = `${PREFIX}: ${cannotRun.reason}: unknown`;
    return { error: new ApiError(400, message), message, exitCode: cannotRun.exitCode };
  }
  return { error: err as Error, message: raw, exitCode: 128 };
}

/** Why a command could not be executed, in runc's words, from a monitor's message; undefined for other failures. */
export function commandFailure(
  raw: string,
  command: string,
): { reason: string; exitCode: number } | undefined {
  if (/no such file or directory|not found/i.test(raw)) {
    const why = command.includes('/')
      ? `stat ${command}: no such file or directory`
      : 'executable file not found in $PATH';
    return { reason: `exec: "${command}": ${why}`, exitCode: 127 };
  }
  if (/permission denied/i.test(raw))
    return { reason: `exec: "${command}": permission denied`, exitCode: 126 };
  return undefined;
}
