/** docs/scaffolding.md documents every flag of `aes create` and `aes endpoint create`. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../cli/main.js';

function command(program: Command, ...path: string[]): Command {
  let cur = program;
  for (const name of path) {
    const next = cur.commands.find((c) => c.name() === name);
    assert.ok(next, `no command ${path.join(' ')}`);
    cur = next;
  }
  return cur;
}

test('every flag of aes create and aes endpoint create is in docs/scaffolding.md', async () => {
  const doc = await readFile(new URL('../../docs/scaffolding.md', import.meta.url), 'utf8');
  const program = buildProgram(() => undefined);
  for (const path of [['create'], ['endpoint', 'create']]) {
    for (const option of command(program, ...path).options) {
      assert.ok(
        doc.includes(`\`${option.long ?? ''}`),
        `${path.join(' ')} ${option.flags} is not documented`,
      );
    }
  }
});
