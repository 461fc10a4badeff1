/**
 * A failed put took place or not (runtime/endpoint/refusal.ts): a SOAP fault — a generated
 * client's or node-soap's own, from a real SOAP server — is the target saying no; a timeout or a
 * lost connection is not known to be one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRefusal } from '../../runtime/endpoint/refusal.js';
import { TargetSystem } from './support/soap-systems.js';
import { targetClient } from './support/soap-endpoints.js';

test("node-soap's fault from a real target is a refusal; other errors are not", async () => {
  const target = await TargetSystem.start({ alwaysFail: new Set(['m1']) });
  try {
    const client = await targetClient(target.url);
    const error = await client.PutAsync({ messageId: 'm1', payload: '{}' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(error !== undefined, 'the target refused m1');
    assert.equal(isRefusal(error), true);
    assert.equal(isRefusal(new Error('wrapped', { cause: error })), true);
  } finally {
    await target.close();
  }
  assert.equal(isRefusal(Object.assign(new Error('fault'), { code: 'SOAP_FAULT' })), true);
  // Never sent: node-soap could not build the request, so the target cannot have it.
  assert.equal(isRefusal(Object.assign(new Error('unbuildable'), { code: 'SOAP_REQUEST' })), true);
  assert.equal(isRefusal(Object.assign(new Error('timeout'), { code: 'SOAP_TIMEOUT' })), false);
  assert.equal(isRefusal(Object.assign(new Error('reset'), { code: 'ECONNRESET' })), false);
  assert.equal(isRefusal(undefined), false);
});
