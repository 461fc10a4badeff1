/** docs/mock.md shows the tested example and the fixture scripts verbatim, not copies that could rot. */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { drain } from './doc-example.js';
import { FIXTURES, SOURCE_WSDL } from './support.js';

const doc = (): Promise<string> => readFile(new URL('../../docs/mock.md', import.meta.url), 'utf8');

test('docs/mock.md shows test/mock/doc-example.ts, which drains the FIFO', async () => {
  const example = await readFile(new URL('./doc-example.ts', import.meta.url), 'utf8');
  const shown = example.replace("'../../mock/index.js'", "'aes-endpoint-server/mock'");
  assert.ok(
    (await doc()).includes('```ts\n' + shown + '```'),
    'docs/mock.md differs from the example',
  );
  assert.deepEqual(await drain(SOURCE_WSDL, path.join(FIXTURES, 'source-script.json')), [
    '101',
    '1',
    '2',
    '3',
  ]);
});

test('docs/mock.md shows the fixture scripts', async () => {
  const text = await doc();
  for (const f of ['source-script.json', 'target-script.json']) {
    const json = await readFile(path.join(FIXTURES, f), 'utf8');
    assert.ok(text.includes('```json\n' + json + '```'), `docs/mock.md differs from ${f}`);
  }
});
