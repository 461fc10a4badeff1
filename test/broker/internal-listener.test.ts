/**
 * The broker's internal listener (`internal` option): plain STOMP on 127.0.0.1 for the embedding
 * process's own clients, beside a main listener with TLS (mutual) and logins. Each listener takes
 * only its own logins, both serve the same queues, the internal one is outside the connection
 * limit, and its options are checked.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TransportError, type InboundMessage } from '../../transports/index.js';
import { BrokerOptionsError, startBroker } from '../../broker/index.js';
import { makeCertificates } from '../support/certs.js';
import { clientsClosedAfter } from '../support/stomp-clients.js';
import { pollUntil } from '../support/wait.js';
import { tempDir, testBroker } from './support.js';

type TestBroker = Awaited<ReturnType<typeof testBroker>>;

const certificates = makeCertificates();
after(() => certificates.remove());
const file = (name: string): string => join(certificates.dir, name);
const CLIENT_TLS = `ca=${file('ca.crt')}&cert=${file('client.crt')}&key=${file('client.key')}`;

const transport = clientsClosedAfter();

/** The broker refuses `url`'s login (not, say, the connection limit). */
async function refused(url: string): Promise<void> {
  await assert.rejects(transport(url).connect({ timeoutMs: 3000 }), (err: unknown) => {
    assert.ok(err instanceof TransportError, String(err));
    assert.equal(err.code, 'TRANSPORT_AUTH_FAILED', err.message);
    return true;
  });
}

describe('a broker with TLS, logins and an internal listener', () => {
  let broker: TestBroker;
  let internal: string;
  before(async () => {
    broker = await testBroker({
      users: { app: 'app-pass' },
      tls: {
        cert: certificates.serverCert,
        key: certificates.serverKey,
        clientCa: certificates.ca,
      },
      internal: { users: { node: 'node-pass' } },
      maxConnections: 1,
    });
    internal = `stomp://127.0.0.1:${broker.internalPort ?? 0}`;
  });
  after(() => broker.stop());

  test('it listens on its own loopback port, beside the main one', () => {
    assert.equal(typeof broker.internalPort, 'number');
    assert.notEqual(broker.internalPort, broker.port);
    assert.match(broker.url, /^stomp\+ssl:/);
  });

  test('a message sent on the internal listener reaches a client of the main one', async () => {
    const outside = transport(`stomp+ssl://app:app-pass@127.0.0.1:${broker.port}?${CLIENT_TLS}`);
    await outside.connect({ timeoutMs: 5000 });
    const seen: InboundMessage[] = [];
    await outside.subscribe('/queue/internal-to-main', (m) => {
      seen.push(m);
      return Promise.resolve();
    });
    const inside = transport(internal.replace('//', '//node:node-pass@'));
    await inside.connect({ timeoutMs: 5000 });
    await inside.publish('/queue/internal-to-main', 'from inside');
    await pollUntil('the message on the main listener', () => seen.length === 1, 10_000);
    assert.equal(seen[0]?.body.toString(), 'from inside');

    // The outside client holds the only connection the limit allows; the internal listener is
    // outside that limit (the connect above got in after it).
    assert.equal(broker.connectionCount(), 2);
    await outside.close();
    await inside.close();
  });

  test('each listener takes only its own logins', async () => {
    await pollUntil(
      'the earlier connections to close',
      () => broker.connectionCount() === 0,
      10_000,
    );
    await refused(internal.replace('//', '//app:app-pass@'));
    await refused(internal.replace('//', '//node:wrong@'));
    await refused(internal);
    await refused(`stomp+ssl://node:node-pass@127.0.0.1:${broker.port}?${CLIENT_TLS}`);
  });
});

test('internal listener options are checked, naming the field', async () => {
  const dir = tempDir();
  try {
    const start = (internal: unknown) =>
      startBroker({ dataDir: dir.path, port: 0, internal } as never);
    await assert.rejects(start({ users: {} }), (err: unknown) => {
      assert.ok(err instanceof BrokerOptionsError);
      assert.match(err.message, /'internal\.users' must name at least one login/);
      return true;
    });
    await assert.rejects(start({ users: { a: '' } }), /'internal\.users\.a' is empty/);
    await assert.rejects(start({ users: { a: 'b' }, port: -1 }), /'internal\.port' must be/);
    await assert.rejects(start({ users: { a: 'b' }, host: '0.0.0.0' }), /'internal\.host' is not/);
  } finally {
    dir.remove();
  }
});

test('a certificate that does not parse is an options error, and the data dir is freed', async () => {
  const dir = tempDir();
  try {
    await assert.rejects(
      startBroker({ dataDir: dir.path, port: 0, tls: { cert: 'not a certificate', key: 'no' } }),
      (err: unknown) => {
        assert.ok(err instanceof BrokerOptionsError, String(err));
        assert.match(err.message, /'tls' is not usable/);
        return true;
      },
    );
    // The store was closed on the way out: another broker may open the same folder.
    await using again = await startBroker({ dataDir: dir.path, port: 0 });
    assert.equal(again.internalPort, undefined);
  } finally {
    dir.remove();
  }
});
