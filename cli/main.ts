/**
 * The `aes` command line. Each command lives in `cli/commands/<name>.ts` as a thin shell over one
 * library function: it declares its options, awaits the function fully and returns an exit code.
 */
import { Command, CommanderError } from 'commander';
import { packageVersion } from '../runtime/version.js';
import { COMMANDS } from './commands/index.js';
import { addExamples, type Example } from './examples.js';
import { stderrPaint } from './colour.js';
import { errorJson, exitCodeFor, formatError } from './errors.js';

const EXAMPLES: readonly Example[] = [
  {
    does: 'see everything move on loopback: two SOAP systems, three nodes, two endpoints',
    line: 'aes demo',
  },
  {
    does: 'start a project, then add an endpoint to it (asks what it needs)',
    line: 'aes create orders && cd orders && aes endpoint create',
  },
  { does: 'run the node a config describes', line: 'aes run -c aes.config.json' },
  { does: 'how the nodes and endpoints of its cluster are', line: 'aes status' },
  { does: 'the help of one command', line: 'aes gen --help' },
];

/** True when `--json` is among the options (before a `--`): errors are then printed as JSON. */
export function wantsJson(argv: readonly string[]): boolean {
  const args = argv.slice(2);
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).includes('--json');
}

/**
 * Builds the program; exported so tests can inspect every command and flag. With `json`, usage
 * errors are not written as text: `main` prints them as JSON.
 */
export function buildProgram(setExitCode: (code: number) => void, json = false): Command {
  const paint = stderrPaint(json);
  const program = new Command('aes')
    .description('Asynchronous Endpoint Server: SOAP systems linked through a message queue')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError(json ? false : '(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      // commander's usage errors (`error: unknown option …`), red on a terminal.
      outputError: (text, write) =>
        json ? undefined : write(text.replace(/[^\n]+/g, (line) => paint('error', line))),
    });
  addExamples(program, EXAMPLES);
  for (const register of COMMANDS) register(program, setExitCode);
  return program;
}

/**
 * Runs the CLI on `argv` (as `process.argv`) and resolves to the process exit code. A failure is
 * printed on stderr as text, or with `--json` on stdout as one JSON object (`errorJson`), so that
 * stdout holds one JSON document whether the command succeeded or not.
 */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const json = wantsJson(argv);
  const program = buildProgram((code) => {
    exitCode = code;
  }, json);
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (err) {
    // Help and version requests end with exit code 0; usage mistakes with 2.
    const code = err instanceof CommanderError ? (err.exitCode === 0 ? 0 : 2) : exitCodeFor(err);
    if (code === 0) return 0;
    if (json) process.stdout.write(`${JSON.stringify(errorJson(err, code))}\n`);
    else if (!(err instanceof CommanderError)) {
      process.stderr.write(`${formatError(err, stderrPaint())}\n`);
    }
    return code;
  }
}
