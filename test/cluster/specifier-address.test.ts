import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSessionSpec, parseStateSpec, formatStateSpec } from '../../cluster/specifier.js';
import { formatAddress, parseAddress } from '../../cluster/address.js';
import { UsageError } from '../../cluster/errors.js';

test('state specifiers: string and object forms', () => {
  assert.deepEqual(parseStateSpec('poe://k1/svc/st'), {
    kernel: 'k1',
    session: 'svc',
    state: 'st',
  });
  assert.deepEqual(parseStateSpec({ kernel: '*', session: 'svc', state: 'st' }), {
    kernel: '*',
    session: 'svc',
    state: 'st',
  });
  assert.equal(formatStateSpec({ kernel: 'k', session: 's', state: 't' }), 'poe://k/s/t');
  assert.deepEqual(parseSessionSpec('poe://*/svc'), { kernel: '*', session: 'svc' });
  for (const bad of [
    'k/s/t',
    'poe://k/s',
    'poe://k/s/t/u',
    'poe://k/*/t',
    'poe://k/s/bad name',
    'poe:///s/t',
  ]) {
    assert.throws(
      () => parseStateSpec(bad),
      (e: unknown) => e instanceof UsageError && e.code === 'BAD_SPECIFIER',
      bad,
    );
  }
});

test('addresses: tcp, tls, IPv6, unix, and clear errors', () => {
  assert.deepEqual(parseAddress('tcp://127.0.0.1:7000'), {
    kind: 'tcp',
    host: '127.0.0.1',
    port: 7000,
  });
  assert.deepEqual(parseAddress('tls://[::1]:7000'), { kind: 'tls', host: '::1', port: 7000 });
  assert.deepEqual(parseAddress('unix:/tmp/x.sock'), { kind: 'unix', path: '/tmp/x.sock' });
  assert.equal(formatAddress({ kind: 'tcp', host: '::1', port: 1 }), 'tcp://[::1]:1');
  for (const bad of [
    '127.0.0.1:7000',
    'tcp://host',
    'tcp://h:99999',
    'unix:relative',
    'tcp://[nope]:1',
    `unix:/${'x'.repeat(200)}`,
  ]) {
    assert.throws(
      () => parseAddress(bad),
      (e: unknown) => e instanceof UsageError && e.code === 'BAD_ADDRESS',
      bad,
    );
  }
});
