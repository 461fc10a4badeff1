/** The TypeScript samples in docs/cluster.md compile against the real API. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkoutPath, docSamples, typeCheckSamples } from '../support/doc-samples.js';

test('docs/cluster.md code samples type-check', () => {
  const samples = docSamples('cluster.md');
  assert.ok(samples.length >= 3, 'the guide has TypeScript samples');
  const entry = checkoutPath('cluster/index.js');
  assert.deepEqual(
    typeCheckSamples(
      samples,
      (code) => `${code.replaceAll("'aes-endpoint-server/cluster'", `'${entry}'`)}\nexport {};`,
    ),
    [],
  );
});
