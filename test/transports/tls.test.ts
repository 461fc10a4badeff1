/**
 * `stomp+ssl://` and `mqtts://` through a loopback TLS terminator (a certificate made at run time
 * by a throwaway CA the client does not trust) in front of the real brokers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { createServer, type Server } from 'node:tls';
import { randomUUID } from 'node:crypto';
import {
  createTransport,
  TransportConnectError,
  TransportError,
  type Transport,
} from '../../transports/index.js';
import { serviceSkipReason } from '../support/services.js';
import { endMqttSessions } from './mqtt-sessions.js';
import { makeCertificates } from '../support/certs.js';

const certificates = makeCertificates();
after(() => certificates.remove());
const run = randomUUID().slice(0, 8);

/** Terminates TLS on a random loopback port and forwards the plain bytes to `port`. */
async function tlsTerminator(port: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer(
    {
      cert: certificates.serverCert,
      key: certificates.serverKey,
    },
    (client) => {
      const upstream = connect({ host: '127.0.0.1', port });
      sockets.add(client).add(upstream);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      client.pipe(upstream).pipe(client);
    },
  );
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const cases = [
  {
    name: 'stomp+ssl:// to RabbitMQ STOMP',
    port: 61613,
    url: (p: number) => `stomp+ssl://guest:guest@127.0.0.1:${p}`,
    skip: await serviceSkipReason('RabbitMQ STOMP plugin', '127.0.0.1', 61613),
    cleanup: () => Promise.resolve(),
  },
  {
    name: 'mqtts:// to Mosquitto',
    port: 1883,
    url: (p: number) => `mqtts://127.0.0.1:${p}?broker=mosquitto&clientId=aes-tls-${run}`,
    skip: await serviceSkipReason('Mosquitto', '127.0.0.1', 1883),
    cleanup: () => endMqttSessions('mqtt://127.0.0.1:1883', [`aes-tls-${run}`], 5),
  },
];

for (const c of cases) {
  describe(c.name, { skip: c.skip ?? false }, () => {
    let terminator: Awaited<ReturnType<typeof tlsTerminator>>;
    const open: Transport[] = [];
    before(async () => {
      terminator = await tlsTerminator(c.port);
    });
    after(async () => {
      await Promise.allSettled(open.map((t) => t.close()));
      await terminator.close();
      await c.cleanup();
    });
    const make = (url: string) => {
      const t = createTransport(url, { connectTimeoutMs: 3000 });
      t.listen({ warning: () => {} });
      open.push(t);
      return t;
    };

    test('an untrusted certificate is refused (a connect error, not an auth error)', async () => {
      const t = make(c.url(terminator.port));
      const started = Date.now();
      await assert.rejects(t.connect({ timeoutMs: 10_000 }), (err: unknown) => {
        assert.ok(err instanceof TransportError, String(err));
        assert.notEqual(err.code, 'TRANSPORT_AUTH_FAILED');
        assert.ok(err instanceof TransportConnectError, String(err));
        assert.match(err.message, /self[- ]signed|certificate/i);
        assert.equal(err.retryable, false);
        return true;
      });
      // A certificate that is not trusted now will not be trusted in a second: no retry loop.
      assert.ok(Date.now() - started < 5000, 'kept retrying an untrusted certificate');
    });

    test('with rejectUnauthorized=false it connects and publishes with confirmation', async () => {
      const base = c.url(terminator.port);
      const t = make(`${base}${base.includes('?') ? '&' : '?'}rejectUnauthorized=false`);
      await t.connect({ timeoutMs: 5000 });
      await t.publish(`/topic/aes-tls-${run}`, 'over TLS');
      assert.equal(t.state, 'connected');
    });
  });
}
