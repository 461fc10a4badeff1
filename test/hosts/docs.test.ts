/** The TypeScript samples in docs/testing.md compile against the bed's real API. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkoutPath, docSamples, typeCheckSamples } from '../support/doc-samples.js';

test('docs/testing.md code samples type-check', () => {
  const samples = docSamples('testing.md');
  assert.ok(samples.length >= 1, 'the guide has a TypeScript sample');
  const entry = checkoutPath('test/support/hosts/index.js');
  assert.deepEqual(
    typeCheckSamples(samples, (code) =>
      code.replaceAll("'../support/hosts/index.js'", `'${entry}'`),
    ),
    [],
  );
});
