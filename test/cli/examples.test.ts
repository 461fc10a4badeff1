/**
 * Every command's `--help` ends with an Examples section, and every example is a command line
 * the command tree accepts: its command exists, and its flags, arguments and values parse.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommanderError, type Command } from 'commander';
import { examplesOf } from '../../cli/examples.js';
import { buildProgram } from '../../cli/main.js';
import { runCli } from '../support/cli.js';

function everyCommand(root: Command): Command[] {
  return [root, ...root.commands.flatMap(everyCommand)];
}

function pathOf(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function helpOf(command: Command): string {
  let text = '';
  command.configureOutput({ writeOut: (s) => (text += s) });
  command.outputHelp();
  return text;
}

/** The words of a shell line, quotes removed (no expansions: examples use none). */
function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

/**
 * The `aes` invocations in an example line: `a && aes b`, `source <(aes c)`, `aes d > file` and
 * `npx aes e` each name one; what follows `>`, `|`, `)` or `&&` belongs to the shell.
 */
function invocations(line: string): string[][] {
  return [...line.matchAll(/(?:^|&&|\(|npx)\s*aes((?:\s+(?:'[^']*'|"[^"]*"|[^\s&|>)]+))*)/g)].map(
    (m) => words(m[1] ?? ''),
  );
}

test('every command has an Examples section in its --help', () => {
  const missing: string[] = [];
  for (const command of everyCommand(buildProgram(() => undefined))) {
    const examples = examplesOf(command);
    const help = helpOf(command);
    if (examples.length === 0 || !help.includes('\nExamples:\n')) missing.push(pathOf(command));
    for (const e of examples) assert.ok(help.includes(`  $ ${e.line}\n`), e.line);
  }
  assert.deepEqual(missing, [], `commands without examples:\n${missing.join('\n')}`);
});

test('every example parses against the command tree', async () => {
  const program = buildProgram(() => undefined, true);
  const all = everyCommand(program);
  // Parsing only: no command runs.
  let ran: string | undefined;
  for (const c of all)
    c.action((...args: unknown[]) => void (ran = pathOf(args.at(-1) as Command)));
  const failures: string[] = [];
  for (const command of all) {
    for (const e of examplesOf(command)) {
      const runs = invocations(e.line);
      if (runs.length === 0) failures.push(`${e.line}: no aes command in it`);
      for (const argv of runs) {
        ran = undefined;
        try {
          await program.parseAsync(['node', 'aes', ...argv]);
          if (ran === undefined && !argv.includes('--help'))
            failures.push(`${e.line}: ran nothing`);
        } catch (err) {
          // --help ends the parse with exit code 0.
          if (!(err instanceof CommanderError) || err.exitCode !== 0) {
            failures.push(`${e.line}: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
      }
    }
  }
  assert.deepEqual(failures, []);
});

test('aes gen --help, run for real, ends with its examples', () => {
  const r = runCli(['gen', '--help']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(
    r.stdout,
    /\nExamples:\n {2}# typed clients for two WSDLs into generated\/\n {2}\$ aes gen --wsdl /,
  );
});
