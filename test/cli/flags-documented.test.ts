/**
 * Every flag of every `aes` command appears in the docs (docs/*.md or the README), by its long
 * form or, for commands whose docs use it, its short form: a new flag without documentation
 * fails here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../../cli/main.js';
import { REPO_ROOT } from '../support/cli.js';

function docsText(): string {
  const dir = join(REPO_ROOT, 'docs');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(dir, f));
  files.push(join(REPO_ROOT, 'README.md'));
  return files.map((f) => readFileSync(f, 'utf8')).join('\n');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('every flag of every aes command is documented', () => {
  const docs = docsText();
  const mentioned = (flag: string): boolean =>
    new RegExp(`(^|[\\s\`|(\\[])${escapeRegExp(flag)}(?![\\w-])`, 'm').test(docs);
  const missing: string[] = [];
  const walk = (command: Command, path: string): void => {
    for (const option of command.options) {
      const forms = [option.long, option.short].filter((f): f is string => f !== undefined);
      if (!forms.some(mentioned)) missing.push(`${path} ${forms.join(', ')}`);
    }
    for (const sub of command.commands) walk(sub, `${path} ${sub.name()}`);
  };
  walk(
    buildProgram(() => undefined),
    'aes',
  );
  assert.deepEqual(
    missing,
    [],
    `flags missing from docs/*.md and README.md:\n${missing.join('\n')}`,
  );
});
