/**
 * The embedded broker over TLS (`stomp+ssl://`), with certificates made at run time: a client
 * trusting the broker's CA through the URL's `ca` file, an untrusted certificate refused, plain
 * STOMP on the TLS port refused without harming the broker, mutual TLS (`clientCa`), and the
 * `aes broker --tls-*` flags' errors.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createTransport, TransportConnectError, TransportError } from '../../transports/index.js';
import { makeCertificates } from '../support/certs.js';
import { runCli } from '../support/cli.js';
import { clientsClosedAfter, roundTrip } from '../support/stomp-clients.js';
import { tempDir, testBroker } from './support.js';

type TestBroker = Awaited<ReturnType<typeof testBroker>>;

const certificates = makeCertificates();
after(() => certificates.remove());
const file = (name: string): string => join(certificates.dir, name);

const transport = clientsClosedAfter();

describe('embedded broker over TLS', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await testBroker({
      tls: { cert: certificates.serverCert, key: certificates.serverKey },
    });
  });
  after(() => broker.stop());

  test('its URL says stomp+ssl and a client trusting its CA (ca=) stores and receives', async () => {
    assert.match(broker.url, /^stomp\+ssl:\/\/127\.0\.0\.1:\d+$/);
    const t = transport(`${broker.url}?ca=${file('ca.crt')}`);
    await t.connect({ timeoutMs: 5000 });
    await roundTrip(t, '/queue/tls-one');
  });

  test('a client without the CA refuses the certificate: a connect error, no retry loop', async () => {
    const t = transport(broker.url);
    await assert.rejects(t.connect({ timeoutMs: 5000 }), (err: unknown) => {
      assert.ok(err instanceof TransportConnectError, String(err));
      assert.match(err.message, /self[- ]signed|certificate|issuer/i);
      assert.equal(err.retryable, false);
      return true;
    });
  });

  test('plain STOMP and garbage on the TLS port are refused; the broker keeps serving', async () => {
    const port = broker.port;
    await new Promise<void>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.write('CONNECT\naccept-version:1.2\n\n\0');
        socket.write(Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, 0, 1, 2, 3]));
      });
      socket.on('error', () => undefined);
      socket.on('close', () => resolve());
      socket.setTimeout(5000, () => socket.destroy());
    });
    const t = transport(`${broker.url}?ca=${file('ca.crt')}`);
    await t.connect({ timeoutMs: 5000 });
    await roundTrip(t, '/queue/tls-after-garbage');
  });
});

describe('embedded broker with mutual TLS (clientCa)', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await testBroker({
      tls: {
        cert: certificates.serverCert,
        key: certificates.serverKey,
        clientCa: certificates.ca,
      },
    });
  });
  after(() => broker.stop());

  test('a client certificate signed by the CA (cert= key=) gets in', async () => {
    const t = transport(
      `${broker.url}?ca=${file('ca.crt')}&cert=${file('client.crt')}&key=${file('client.key')}`,
    );
    await t.connect({ timeoutMs: 5000 });
    await roundTrip(t, '/queue/mtls-one');
  });

  test('no client certificate is refused at once, with an error that says so', async () => {
    const before = broker.connectionCount();
    const t = transport(`${broker.url}?ca=${file('ca.crt')}`);
    await assert.rejects(t.connect({ timeoutMs: 5000 }), (err: unknown) => {
      assert.ok(err instanceof TransportConnectError, String(err));
      assert.match(err.message, /certificate required/i);
      // Another try would be refused alike: the error says so instead of retrying.
      assert.equal(err.retryable, false);
      return true;
    });
    assert.equal(broker.connectionCount(), before);
  });

  test('a certificate of another CA never gets a STOMP session', async () => {
    // OpenSSL's TLS 1.3 client may see only the connection closing here (the broker's alert
    // comes after the client considers the handshake done), so it retries to its deadline.
    const before = broker.connectionCount();
    const t = transport(
      `${broker.url}?ca=${file('ca.crt')}&cert=${file('stranger.crt')}&key=${file('stranger.key')}`,
    );
    await assert.rejects(t.connect({ timeoutMs: 2000 }), (err: unknown) => {
      assert.ok(err instanceof TransportError, String(err));
      assert.notEqual(err.code, 'TRANSPORT_AUTH_FAILED');
      return true;
    });
    assert.equal(broker.connectionCount(), before);
  });
});

test('TLS file parameters: only on TLS URLs, cert with key, and an unreadable file is named', () => {
  assert.throws(
    () => createTransport(`stomp://127.0.0.1:1?ca=${file('ca.crt')}`),
    /'ca' applies to TLS URLs only/,
  );
  assert.throws(
    () => createTransport(`stomp+ssl://127.0.0.1:1?cert=${file('client.crt')}`),
    /'cert' needs cert and key together/,
  );
  assert.throws(
    () => createTransport('mqtts://127.0.0.1:1?clientId=x&ca=/nonexistent/ca.pem'),
    /'ca' cannot read \/nonexistent\/ca\.pem/,
  );
});

test('aes broker --tls-* flags: a missing half or an unreadable file is a usage error naming it', () => {
  const dir = tempDir();
  try {
    const half = runCli(['broker', '--data-dir', dir.path, '--tls-cert', file('server.crt')]);
    assert.equal(half.status, 2, half.stderr);
    assert.match(half.stderr, /'--tls-cert' needs --tls-cert and --tls-key together/);
    const missing = runCli([
      'broker',
      '--data-dir',
      dir.path,
      '--tls-cert',
      file('server.crt'),
      '--tls-key',
      '/nonexistent/server.key',
    ]);
    assert.equal(missing.status, 2, missing.stderr);
    assert.match(missing.stderr, /'--tls-key' cannot read \/nonexistent\/server\.key/);
    const help = runCli(['broker', '--help']);
    for (const flag of ['--tls-cert', '--tls-key', '--tls-client-ca']) {
      assert.ok(help.stdout.includes(flag), `help mentions ${flag}`);
    }
  } finally {
    dir.remove();
  }
});
