/**
 * One way to name the node config: `-c, --config <file>` on every command that reads it, the
 * older positional argument of `aes run` and `aes config check` kept as an alias, and two
 * different files named both ways refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../../cli/main.js';
import { configFile, ConfigOptionConflictError } from '../../cli/config-option.js';
import { runCli } from '../support/cli.js';

/** Every command, by its path (`endpoint start`), with its commander object. */
function commands(): Map<string, Command> {
  const out = new Map<string, Command>();
  const walk = (command: Command, path: string): void => {
    for (const sub of command.commands) {
      const name = path === '' ? sub.name() : `${path} ${sub.name()}`;
      out.set(name, sub);
      walk(sub, name);
    }
  };
  walk(
    buildProgram(() => undefined),
    '',
  );
  return out;
}

test('every command that reads the node config takes -c, --config', () => {
  const all = commands();
  for (const path of [
    'run',
    'config check',
    'status',
    'endpoint start',
    'endpoint stop',
    'endpoint restart',
    'endpoint run',
  ]) {
    const command = all.get(path);
    assert.ok(command !== undefined, path);
    const option = command.options.find((o) => o.long === '--config');
    assert.equal(option?.short, '-c', path);
  }
});

test('configFile: --config, else the positional alias, else the default; never two files', () => {
  assert.equal(configFile({}), 'aes.config.json');
  assert.equal(configFile({}, 'a.json'), 'a.json');
  assert.equal(configFile({ config: 'b.json' }), 'b.json');
  assert.equal(configFile({ config: 'a.json' }, 'a.json'), 'a.json');
  assert.throws(
    () => configFile({ config: 'b.json' }, 'a.json'),
    (err) =>
      err instanceof ConfigOptionConflictError &&
      err.code === 'CLI_CONFIG_CONFLICT' &&
      err.exitCode === 2,
  );
});

test('aes config check -c FILE is aes config check FILE; naming two files is a usage error', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aes-config-option-'));
  try {
    const file = join(dir, 'node.json');
    await writeFile(file, JSON.stringify({ node: 'node-a' }));
    const positional = runCli(['config', 'check', file]);
    assert.equal(positional.status, 0, positional.stderr);
    const flag = runCli(['config', 'check', '-c', file]);
    assert.equal(flag.status, 0, flag.stderr);
    assert.equal(flag.stdout, positional.stdout);
    const long = runCli(['config', 'check', `--config=${file}`, '--json']);
    assert.equal(long.status, 0, long.stderr);
    assert.equal((JSON.parse(long.stdout) as { node: string }).node, 'node-a');
    // run reads the config before anything else: both ways name the file in the error.
    const other = join(dir, 'other.json');
    const twice = runCli(['run', file, '-c', other]);
    assert.equal(twice.status, 2);
    assert.match(twice.stderr, /\[CLI_CONFIG_CONFLICT\]: the config is named twice/);
    const runMissing = runCli(['run', '--config', other]);
    assert.equal(runMissing.status, 1);
    assert.match(runMissing.stderr, /other\.json: cannot read/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
