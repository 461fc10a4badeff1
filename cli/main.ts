/**
 * The `aes` command line. Each command lives in `cli/commands/<name>.ts` as a thin shell over one
 * library function: it declares its options, awaits the function fully and returns an exit code.
 */
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../runtime/version.js';
import { COMMANDS } from './commands/index.js';
import { formatError, exitCodeFor } from './errors.js';

/** Builds the program; exported so tests can inspect every command and flag. */
export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('aes')
    .description('Asynchronous Endpoint Server: SOAP systems linked through a message queue')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });
  for (const register of COMMANDS) register(program, setExitCode);
  return program;
}

/** Runs the CLI on `argv` (as `process.argv`) and resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version requests end with exit code 0; usage mistakes with 2.
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`${formatError(err)}\n`);
    return exitCodeFor(err);
  }
}
