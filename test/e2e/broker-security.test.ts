/**
 * `aes run`'s embedded broker with logins (`broker.embedded.usersFile`) and TLS
 * (`broker.embedded.tls`) on real processes: the node's own endpoints keep moving records from a
 * SOAP source to a SOAP target (over the broker's internal listener, with the node's login);
 * outside STOMP clients need a right login, and over TLS the CA and, with `clientCa`, a client
 * certificate. Bad files in the config stop `aes run` with the field and the file, exit 1.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TransportError } from '../../transports/index.js';
import { SourceSystem, TargetSystem, makeRecords } from '../runtime/support/soap-systems.js';
import { makeCertificates } from '../support/certs.js';
import { clientsClosedAfter, roundTrip } from '../support/stomp-clients.js';
import { assertExactlyOnceInOrder, waitDelivered } from './support/pipeline.js';
import { makeProject, RunningNode, runAes, type Project } from './support/project.js';

const certificates = makeCertificates();
after(() => certificates.remove());
const pem = (name: string): string => join(certificates.dir, name);
const USERS_FILE = 'broker-users.json';
const EXPOSURE = /^embedded broker bound to /;

/** An outside STOMP client of the node's broker, as another tool on another machine would be. */
const outside = clientsClosedAfter(5000);

function withLogin(url: string, login: string, passcode: string): string {
  const u = new URL(url);
  u.username = login;
  u.password = passcode;
  return u.toString();
}

/** The broker turns the client away; `code` says how (a login refused, a TLS failure). */
async function refused(url: string, check: (err: TransportError) => void): Promise<void> {
  await assert.rejects(outside(url).connect({ timeoutMs: 5000 }), (err: unknown) => {
    assert.ok(err instanceof TransportError, String(err));
    check(err);
    return true;
  });
}

const loginRefused = (err: TransportError): void =>
  assert.equal(err.code, 'TRANSPORT_AUTH_FAILED', err.message);

/**
 * Runs a node with an outbound and an inbound endpoint through its own embedded broker
 * (`embedded` is its config), waits until every record reached the target exactly once and in
 * order, then hands the running node to `check`.
 */
async function withDeliveringNode(
  name: string,
  embedded: object,
  check: (node: RunningNode, broker: { url: string; internal: string }) => Promise<void>,
): Promise<void> {
  const source = await SourceSystem.start(makeRecords(10));
  const target = await TargetSystem.start();
  try {
    await using project = await makeProject({
      node: name,
      endpoints: { 'orders-out': 'orders-out.ts', 'orders-in': 'orders-in.ts' },
      config: { broker: { embedded: { port: 0, ...embedded } } },
    });
    await writeFile(join(project.dir, USERS_FILE), JSON.stringify({ app: 'app-pass' }));
    await using node = await RunningNode.start(name, project, {
      E2E_SOURCE_URL: source.url,
      E2E_TARGET_URL: target.url,
      E2E_QUEUE: `/queue/e2e-${randomUUID()}`,
    });
    await waitDelivered(source, target, 10);
    assertExactlyOnceInOrder(source, target, 'orders-out');

    const listening = await node.waitLine(
      'the broker',
      (l) => l.msg === 'embedded broker listening',
    );
    const broker = { url: String(listening.url), internal: String(listening.internal) };
    assert.match(broker.internal, /^stomp:\/\/127\.0\.0\.1:\d+$/);
    await check(node, broker);

    // The node's own passcode is in no log line: its endpoints log the URL redacted.
    assert.ok(
      node.raw.some((l) => l.includes('aes-node:***@127.0.0.1:')),
      node.tail(),
    );
    for (const line of node.raw) assert.doesNotMatch(line, /aes-node:(?!\*\*\*@)/);
    assert.equal(await node.stop(), 0);
  } finally {
    await source.close();
    await target.close();
  }
}

test('with logins: the endpoints deliver; an outside client needs a right login', async () => {
  await withDeliveringNode('logins', { usersFile: USERS_FILE }, async (node, broker) => {
    assert.match(broker.url, /^stomp:\/\/127\.0\.0\.1:\d+$/);
    await refused(broker.url, loginRefused);
    await refused(withLogin(broker.url, 'app', 'wrong'), loginRefused);
    // The node's login exists on the internal listener only; configured users only on the main.
    await refused(withLogin(broker.url, 'aes-node', 'guess'), loginRefused);
    await refused(withLogin(broker.internal, 'app', 'app-pass'), loginRefused);
    const app = outside(withLogin(broker.url, 'app', 'app-pass'));
    await app.connect({ timeoutMs: 5000 });
    await roundTrip(app, `/queue/outside-${randomUUID()}`);
    assert.equal(
      node.lines.some((l) => EXPOSURE.test(l.msg)),
      false,
      'a loopback broker was warned about',
    );
  });
});

test('with mutual TLS and logins on every interface: the endpoints deliver; outside clients need the CA, a client certificate and a login', async () => {
  const embedded = {
    host: '0.0.0.0',
    usersFile: USERS_FILE,
    // It names localhost only, not 127.0.0.1 (as a public certificate would not).
    tls: { cert: pem('localhost.crt'), key: pem('localhost.key'), clientCa: pem('ca.crt') },
  };
  await withDeliveringNode('tls', embedded, async (node, broker) => {
    assert.match(broker.url, /^stomp\+ssl:\/\/127\.0\.0\.1:\d+$/);
    const port = new URL(broker.url).port;
    const clientTls = `ca=${pem('ca.crt')}&cert=${pem('client.crt')}&key=${pem('client.key')}`;
    const app = outside(`stomp+ssl://app:app-pass@localhost:${port}?${clientTls}`);
    await app.connect({ timeoutMs: 5000 });
    await roundTrip(app, `/queue/outside-${randomUUID()}`);

    await refused(`stomp+ssl://app:wrong@localhost:${port}?${clientTls}`, loginRefused);
    await refused(`stomp+ssl://app:app-pass@localhost:${port}?ca=${pem('ca.crt')}`, (err) =>
      assert.match(err.message, /certificate required/i),
    );
    // Why the endpoints do not dial 127.0.0.1 over TLS: the certificate does not name it.
    await refused(`stomp+ssl://app:app-pass@127.0.0.1:${port}?${clientTls}`, (err) =>
      assert.match(err.message, /127\.0\.0\.1|altnames|hostname/i),
    );
    await refused(`stomp://app:app-pass@127.0.0.1:${port}?connectTimeoutMs=2000`, (err) =>
      assert.notEqual(err.code, 'TRANSPORT_AUTH_FAILED'),
    );
    // Encrypted and authenticated: nothing to warn about, though bound to every interface.
    assert.equal(
      node.lines.some((l) => EXPOSURE.test(l.msg)),
      false,
      node.lines.find((l) => EXPOSURE.test(l.msg))?.msg,
    );
  });
});

/** `aes run` on `project`: it must fail at start with a config error that names `expected`. */
function assertRunFails(project: Project, expected: RegExp): void {
  const run = runAes(['run', project.configFile], project.dir);
  assert.equal(run.status, 1, run.stderr);
  assert.match(
    run.stderr,
    new RegExp(
      `^aes: error \\[RUNTIME_CONFIG_INVALID\\]: ${project.configFile}: invalid config\\n`,
    ),
  );
  assert.match(run.stderr, expected);
}

test('aes run stops at once on a missing or malformed users file and a missing certificate', async () => {
  await using project = await makeProject({
    node: 'bad',
    endpoints: {},
    config: { broker: { embedded: { port: 0, usersFile: USERS_FILE } } },
  });
  const users = join(project.dir, USERS_FILE);
  assertRunFails(project, new RegExp(`  /broker/embedded/usersFile: cannot read ${users}: ENOENT`));
  await writeFile(users, '{"app": "app-pass",');
  assertRunFails(project, new RegExp(`  /broker/embedded/usersFile: ${users} is not valid JSON`));

  await using noCert = await makeProject({
    node: 'bad-tls',
    endpoints: {},
    config: {
      broker: {
        embedded: { port: 0, tls: { cert: 'tls/broker.crt', key: pem('localhost.key') } },
      },
    },
  });
  const cert = join(noCert.dir, 'tls', 'broker.crt');
  assertRunFails(noCert, new RegExp(`  /broker/embedded/tls/cert: cannot read ${cert}: ENOENT`));
});
