/** docs/endpoints.md shows the type-checked example file, not a copy that could rot. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';

test('the example in docs/endpoints.md is test/runtime/support/doc-example.ts', async () => {
  const doc = await readFile(new URL('../../docs/endpoints.md', import.meta.url), 'utf8');
  const example = await readFile(new URL('./support/doc-example.ts', import.meta.url), 'utf8');
  const shown = example.replace("'../../../runtime/index.js'", "'aes-endpoint-server'");
  assert.ok(doc.includes('```ts\n' + shown + '```'), 'docs/endpoints.md differs from the example');
});

test('the entry module in docs/endpoints.md is test/runtime/support/doc-entry-example.ts', async () => {
  const doc = await readFile(new URL('../../docs/endpoints.md', import.meta.url), 'utf8');
  const example = await readFile(
    new URL('./support/doc-entry-example.ts', import.meta.url),
    'utf8',
  );
  const shown = example
    .replace("'../../../runtime/index.js'", "'aes-endpoint-server'")
    .replace("'./doc-example.js'", "'./orders-out.js'");
  assert.ok(doc.includes('```ts\n' + shown + '```'), 'docs/endpoints.md differs from the example');
});
