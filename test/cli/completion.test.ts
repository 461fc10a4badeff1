/**
 * `aes completion bash|zsh|fish`: each script is made from the command tree, and each shell,
 * run for real, completes commands, subcommands, options, option values (file and folder names,
 * choices) and positional paths from it. A shell that is not installed is skipped, saying so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { buildProgram } from '../../cli/main.js';
import { allCommands, commandTree } from '../../cli/completion/command-tree.js';
import { runCli } from '../support/cli.js';

const ZSH_DRIVER = fileURLToPath(new URL('fixtures/zsh-complete.zsh', import.meta.url));

function installed(shell: string): boolean {
  return spawnSync(shell, ['-c', 'exit 0']).status === 0;
}

/** A folder `dir` holding `orders.wsdl` and a folder `wsdls/`, and the script of `shell` beside it. */
function workspace(shell: string): { dir: string; script: string; [Symbol.dispose](): void } {
  const root = mkdtempSync(join(tmpdir(), `aes-completion-${shell}-`));
  const dir = join(root, 'project');
  mkdirSync(join(dir, 'wsdls'), { recursive: true });
  writeFileSync(join(dir, 'orders.wsdl'), '<definitions/>');
  const out = runCli(['completion', shell]);
  assert.equal(out.status, 0, out.stderr);
  assert.equal(out.stderr, '');
  const script = join(root, `aes.${shell}`);
  writeFileSync(script, out.stdout);
  return { dir, script, [Symbol.dispose]: () => rmSync(root, { recursive: true, force: true }) };
}

/** What each case's line completes to: exact candidate lists, sorted. */
const CASES: readonly (readonly [line: string, expected: readonly string[]])[] = [
  ['aes gen --o', ['--out']],
  ['aes endpoint ', ['create', 'help', 'move', 'restart', 'run', 'start', 'stop']],
  ['aes endpoint create --wsdl ', ['orders.wsdl', 'wsdls/']],
  ['aes gen --out ', ['wsdls/']],
  ['aes run --log-format ', ['json', 'pretty']],
  ['aes completion ', ['bash', 'fish', 'zsh']],
  ['aes describe ', ['orders.wsdl', 'wsdls/']],
  ['aes config check -c ', ['orders.wsdl', 'wsdls/']],
  ['aes post poe://k/s/state ', []],
  ['aes dlq list --timeout-ms ', []],
  ['aes dlq help ', ['drop', 'list', 'replay', 'show']],
  ['aes help ', commandNames()],
];

/** The top-level commands, commander's `help` among them. */
function topLevel(): string[] {
  return [...commandNames(), 'help'].sort();
}

/** The top-level commands as the program declares them. */
function commandNames(): string[] {
  return buildProgram(() => undefined).commands.map((c: Command) => c.name());
}

test('the tree the scripts are made from is the program’s, every command and option', () => {
  const program = buildProgram(() => undefined);
  const tree = commandTree(program);
  const paths = allCommands(tree).map((c) => c.path.join(' '));
  const expected: string[] = [];
  const walk = (c: Command, prefix: string): void => {
    expected.push(prefix);
    for (const sub of c.commands) walk(sub, `${prefix} ${sub.name()}`);
    // commander's own `help [command]` of a command with subcommands.
    if (c.commands.length > 0) expected.push(`${prefix} help`);
  };
  walk(program, 'aes');
  assert.deepEqual(paths, expected);
  const gen = tree.subcommands.find((c) => c.path.at(-1) === 'gen');
  const kinds = new Map(gen?.options.map((o) => [o.long, o.value?.kind]));
  assert.equal(kinds.get('--wsdl'), 'file');
  assert.equal(kinds.get('--out'), 'dir');
  assert.equal(kinds.get('--catalog'), 'file');
  assert.equal(kinds.get('--map'), 'value', 'url=path starts with a URL: no file names');
  assert.equal(kinds.get('--quiet'), undefined, 'a flag takes no value');
});

test('bash completes from the script', () => {
  using ws = workspace('bash');
  const driver = [
    `source ${JSON.stringify(ws.script)}`,
    // As bash does: the line split into words, the cursor on the last one.
    'comp() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _aes;',
    '  printf "%s\\n" "${COMPREPLY[@]}" | sort | paste -sd " " -; }',
    ...[...CASES, ['aes ', topLevel()] as const, ['aes run --config=', []] as const].map(
      ([line]) => {
        // bash splits --config=x into --config, =, x.
        const words = line.replace('=', ' = ').split(' ');
        return `comp ${words.map((w) => `'${w}'`).join(' ')}`;
      },
    ),
  ].join('\n');
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', driver], {
    cwd: ws.dir,
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  const got = (i: number): string[] =>
    (lines[i] ?? '')
      .split(' ')
      .filter(Boolean)
      .map((w) => (w === 'wsdls' ? 'wsdls/' : w));
  CASES.forEach(([line, expected], i) => assert.deepEqual(got(i), [...expected].sort(), line));
  assert.deepEqual(got(CASES.length), topLevel(), 'aes <Tab>');
  assert.deepEqual(got(CASES.length + 1), ['orders.wsdl', 'wsdls/'], 'aes run --config=<Tab>');
});

test('zsh completes from the script', { skip: !installed('zsh') && 'zsh is not installed' }, () => {
  using ws = workspace('zsh');
  const complete = (line: string): string[] => {
    const r = spawnSync('zsh', ['-f', ZSH_DRIVER, ws.script, line], {
      cwd: ws.dir,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.error, undefined, `zsh on '${line}': ${String(r.error)}`);
    return [...new Set(r.stdout.replace(/\r/g, '').split('\n').filter(Boolean))].sort();
  };
  for (const [line, expected] of CASES)
    assert.deepEqual(complete(line), [...expected].sort(), line);
  assert.deepEqual(complete('aes '), topLevel(), 'aes <Tab>');
  assert.deepEqual(complete('aes run --config='), ['--config=orders.wsdl', '--config=wsdls/']);
});

test(
  'fish completes from the script',
  { skip: !installed('fish') && 'fish is not installed' },
  () => {
    using ws = workspace('fish');
    const complete = (line: string): string[] => {
      const r = spawnSync(
        'fish',
        ['--no-config', '-c', `source ${ws.script}; complete -C ${JSON.stringify(line)}`],
        { cwd: ws.dir, encoding: 'utf8', timeout: 30_000 },
      );
      assert.equal(r.status, 0, r.stderr);
      return r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0] ?? '')
        .sort();
    };
    for (const [line, expected] of CASES)
      assert.deepEqual(complete(line), [...expected].sort(), line);
    assert.deepEqual(complete('aes '), topLevel(), 'aes <Tab>');
    const described = spawnSync(
      'fish',
      ['--no-config', '-c', `source ${ws.script}; complete -C 'aes g'`],
      {
        encoding: 'utf8',
      },
    );
    assert.match(described.stdout, /^gen\tgenerate typed TypeScript/m, 'with descriptions');
  },
);

test('an unknown shell is a usage error naming the shells', () => {
  const r = runCli(['completion', 'tcsh']);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /'tcsh' is invalid.*Allowed choices are bash, zsh, fish/);
});
