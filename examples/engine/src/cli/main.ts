import { CommanderError } from 'commander';
import { CliError, describeError, ExitStatus } from './errors.js';
import { buildProgram } from './program.js';

/** `berth`: the engine's CLI. Every failure ends here: one message on stderr, Docker's exit status. */
async function main(): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
    return 0;
  } catch (err) {
    if (err instanceof ExitStatus) return err.exitCode;
    if (err instanceof CommanderError) {
      // Help and version are not failures; bad flags are Docker's usage error (125).
      return err.exitCode === 0 || err.code === 'commander.help' ? 0 : 125;
    }
    process.stderr.write(`${describeError(err)}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
