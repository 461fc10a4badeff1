/** TLS listeners and connections, mutual TLS, and TLS together with the shared secret. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Kernel } from '../../cluster/index.js';
import { makeCertificates, type TestCertificates } from '../support/certs.js';
import { waitUntil } from './support/wait.js';

let certs: TestCertificates;
before(() => {
  certs = makeCertificates();
});
after(() => certs.remove());

test('mutual TLS plus the shared secret', async () => {
  const server = new Kernel({
    name: 'server',
    secret: 's',
    tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca },
  });
  server.addSession('svc', { echo: (x) => x });
  server.publish('svc', ['echo']);
  const listener = await server.listen('tls://127.0.0.1:0');
  assert.match(listener.address, /^tls:\/\/127\.0\.0\.1:\d+$/);
  const client = new Kernel({
    name: 'client',
    secret: 's',
    tls: { key: certs.clientKey, cert: certs.clientCert, ca: certs.ca },
  });
  const info = await client.connect(listener.address);
  assert.equal(info.authenticated, 'hmac');
  assert.equal(await client.call('poe://server/svc/echo', 'over tls'), 'over tls');

  // No client certificate, or one from a CA we do not trust: refused, server stays up.
  const noCert = new Kernel({ name: 'nocert', secret: 's', tls: { ca: certs.ca } });
  await assert.rejects(noCert.connect(listener.address, { timeoutMs: 5_000 }));
  const stranger = new Kernel({
    name: 'stranger',
    secret: 's',
    tls: { key: certs.strangerKey, cert: certs.strangerCert, ca: certs.ca },
  });
  await assert.rejects(stranger.connect(listener.address, { timeoutMs: 5_000 }));
  // A client that does not trust the server's CA refuses it.
  const distrust = new Kernel({
    name: 'distrust',
    secret: 's',
    tls: { key: certs.clientKey, cert: certs.clientCert },
  });
  await assert.rejects(
    distrust.connect(listener.address, { timeoutMs: 5_000 }),
    /certificate|self.signed|CHANNEL_CLOSED/i,
  );
  await waitUntil('server counted TLS failures', () => server.stats().authFailures >= 1);
  assert.equal(await client.call('poe://server/svc/echo', 'still'), 'still');
  await Promise.all([server, client, noCert, stranger, distrust].map((k) => k.shutdown()));
});

test('mutual TLS alone authenticates kernels without a secret', async () => {
  const server = new Kernel({
    name: 'server',
    tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca },
  });
  const listener = await server.listen('tls://127.0.0.1:0');
  const client = new Kernel({
    name: 'client',
    tls: { key: certs.clientKey, cert: certs.clientCert, ca: certs.ca },
  });
  const info = await client.connect(listener.address);
  assert.equal(info.authenticated, 'tls');
  await waitUntil(
    'server sees the client',
    () => server.getKernel('client')?.authenticated === 'tls',
  );
  // Plain TCP without a secret is refused by the same kernel.
  const plain = await server.listen('tcp://127.0.0.1:0');
  const anonymous = new Kernel({ name: 'anon', allowUnauthenticated: true });
  await assert.rejects(anonymous.connect(plain.address), /AUTH_FAILED|no secret/);
  await Promise.all([server, client, anonymous].map((k) => k.shutdown()));
});

/** An AUTH_FAILED handshake error naming the kernel and what its certificate says instead. */
const refusedFor =
  (kernel: string, certified: string) =>
  (err: unknown): boolean =>
    err instanceof Error &&
    (err as { code?: string }).code === 'AUTH_FAILED' &&
    err.message.includes(`kernel '${kernel}' presented a certificate for '${certified}'`);

test('with TLS alone a kernel must carry its name in its certificate, both ways', async () => {
  const server = new Kernel({
    name: 'server',
    tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca },
  });
  const listener = await server.listen('tls://127.0.0.1:0');
  // The client's certificate says CN=client: it may not call itself 'impostor'.
  const impostor = new Kernel({
    name: 'impostor',
    tls: { key: certs.clientKey, cert: certs.clientCert, ca: certs.ca },
  });
  await assert.rejects(impostor.connect(listener.address), refusedFor('impostor', 'client'));
  await waitUntil('the server counted the refusal', () => server.stats().authFailures >= 1);
  assert.equal(server.getKernel('impostor'), undefined);

  // A server whose certificate (CN=server) does not name it is refused by the client.
  const misnamed = new Kernel({
    name: 'misnamed',
    tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca },
  });
  const misnamedListener = await misnamed.listen('tls://127.0.0.1:0');
  const client = new Kernel({
    name: 'client',
    tls: { key: certs.clientKey, cert: certs.clientCert, ca: certs.ca },
  });
  await assert.rejects(client.connect(misnamedListener.address), refusedFor('misnamed', 'server'));

  // bindNames: false on both sides accepts a trusted certificate under any name (membership).
  const lenientServer = new Kernel({
    name: 'lenient-server',
    tls: { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca, bindNames: false },
  });
  const lenientListener = await lenientServer.listen('tls://127.0.0.1:0');
  const member = new Kernel({
    name: 'member',
    tls: { key: certs.clientKey, cert: certs.clientCert, ca: certs.ca, bindNames: false },
  });
  const info = await member.connect(lenientListener.address);
  assert.equal(info.authenticated, 'tls');
  await Promise.all(
    [server, impostor, misnamed, client, lenientServer, member].map((k) => k.shutdown()),
  );
});
