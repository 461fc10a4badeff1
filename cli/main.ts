/**
 * The `aes` command line. Each command lives in `cli/commands/<name>.ts` as a thin shell over one
 * library function: it declares its options, awaits the function fully and returns an exit code.
 */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { COMMANDS } from './commands/index.js';
import { formatError, exitCodeFor } from './errors.js';

const PACKAGE_JSON = new URL('../../package.json', import.meta.url);

function packageVersion(): string {
  // dist/cli/main.js and cli/main.ts both sit two levels below the package root.
  for (const url of [PACKAGE_JSON, new URL('../package.json', import.meta.url)]) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(url, 'utf8'));
      if (
        typeof parsed === 'object' &&
        parsed !== null &&
        'name' in parsed &&
        parsed.name === 'aes'
      ) {
        const version = (parsed as { version?: unknown }).version;
        if (typeof version === 'string') return version;
      }
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0';
}

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
