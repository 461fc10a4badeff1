/** `openCoordinator()` before any engine answers: schemes, URLs, options and an absent engine. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CoordinationError,
  CoordinationUrlError,
  openCoordinator,
  redactCoordinationUrl,
} from '../../coordination/index.js';
import { freePort } from '../support/ports.js';

test('an unknown scheme is refused with a typed error naming the URL, password removed', async () => {
  const err = await openCoordinator('zookeeper://aes:secret@zk1:2181').then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof CoordinationUrlError);
  assert.equal(err.code, 'COORDINATION_UNKNOWN_SCHEME');
  assert.match(err.message, /zookeeper:\/\/aes:\*\*\*@zk1:2181/);
  assert.match(err.message, /known: etcd, postgres, postgresql/);
  assert.doesNotMatch(err.message, /secret/);
  await assert.rejects(openCoordinator('not a url'), { code: 'COORDINATION_UNKNOWN_SCHEME' });
});

test('a malformed etcd URL, a bad schema name or a bad timeout is a COORDINATION_BAD_URL', async () => {
  await assert.rejects(openCoordinator('etcd://h1:2379,nohostport'), {
    code: 'COORDINATION_BAD_URL',
  });
  await assert.rejects(openCoordinator('postgres://127.0.0.1/test?namespace=Bad-Name'), {
    code: 'COORDINATION_BAD_URL',
  });
  await assert.rejects(openCoordinator('etcd://127.0.0.1:2379', { operationTimeoutMs: 0 }), {
    code: 'COORDINATION_BAD_URL',
  });
});

test('redactCoordinationUrl hides the password only', () => {
  assert.equal(redactCoordinationUrl('postgres://u:p@h/db'), 'postgres://u:***@h/db');
  assert.equal(redactCoordinationUrl('etcd://h1:1,h2:2'), 'etcd://h1:1,h2:2');
});

test('an engine that does not answer fails within connectTimeoutMs with a retryable error', async () => {
  const port = await freePort();
  for (const url of [`etcd://127.0.0.1:${port}`, `postgres://postgres@127.0.0.1:${port}/test`]) {
    const started = Date.now();
    const err = await openCoordinator(url, { connectTimeoutMs: 1000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof CoordinationError, `${url}: ${String(err)}`);
    assert.ok(
      err.code === 'COORDINATION_UNAVAILABLE' || err.code === 'COORDINATION_TIMEOUT',
      err.code,
    );
    assert.equal(err.retryable, true);
    assert.ok(Date.now() - started < 5000, `${url}: ${Date.now() - started} ms`);
  }
});
