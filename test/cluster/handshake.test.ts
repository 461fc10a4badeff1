import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseVersion, computeProof, createNonce, verifyProof } from '../../cluster/handshake.js';

const input = {
  version: 1,
  clientName: 'c',
  serverName: 's',
  clientNonce: createNonce(),
  serverNonce: createNonce(),
};

test('a proof verifies with the same secret and direction only', () => {
  const proof = computeProof('secret', 'client', input);
  assert.equal(verifyProof('secret', 'client', input, proof), true);
  assert.equal(verifyProof('other', 'client', input, proof), false);
  // The server's proof can never be replayed as the client's.
  assert.equal(verifyProof('secret', 'server', input, proof), false);
  assert.equal(
    verifyProof('secret', 'client', { ...input, serverNonce: createNonce() }, proof),
    false,
  );
  assert.equal(verifyProof('secret', 'client', input, 'short'), false);
});

test('the proof does not contain the secret', () => {
  const secret = 'a-very-recognisable-secret';
  const proof = computeProof(secret, 'server', input);
  assert.equal(proof.includes(secret), false);
  assert.equal(Buffer.from(proof, 'base64').length, 32);
});

test('nonces are fresh', () => {
  assert.notEqual(createNonce(), createNonce());
});

test('version choice takes the highest common version', () => {
  assert.equal(chooseVersion([1, 2, 3], [1, 2]), 2);
  assert.equal(chooseVersion([3], [1]), undefined);
});
