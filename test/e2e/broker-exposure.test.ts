/**
 * `aes run`'s embedded broker bound beyond loopback: the node warns at start-up unless the
 * broker is both encrypted (TLS) and authenticated (logins or client certificates), naming what
 * is missing and the config key that adds it; on loopback it stays quiet. (Logins and TLS
 * together, which are not warned about, are in broker-security.test.ts.)
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTransport } from '../../transports/index.js';
import { makeCertificates } from '../support/certs.js';
import { makeProject, RunningNode } from './support/project.js';

const certificates = makeCertificates();
after(() => certificates.remove());
const pem = (name: string): string => join(certificates.dir, name);

const WARNING = /^embedded broker bound to 0\.0\.0\.0/;

/**
 * Starts a node whose broker has `embedded` config, runs `check` on it, and returns its exposure
 * warning, if any.
 */
async function warningOf(
  name: string,
  embedded: object,
  check: (node: RunningNode) => Promise<void> = () => Promise.resolve(),
): Promise<string | undefined> {
  await using project = await makeProject({
    node: name,
    endpoints: {},
    config: { broker: { embedded: { port: 0, ...embedded } } },
  });
  await writeFile(join(project.dir, 'users.json'), JSON.stringify({ app: 'app-pass' }));
  await using node = await RunningNode.start(name, project);
  // The cluster listener starts after the broker (and after where the warning would be).
  await node.waitLine('the kernel to listen', (l) => l.msg === 'kernel listening');
  const line = node.lines.find((l) => WARNING.test(l.msg));
  if (line !== undefined) assert.equal(line.level, 'warn');
  await check(node);
  return line?.msg;
}

test('an embedded broker bound to every interface is warned about; on loopback it is not', async () => {
  assert.match(
    (await warningOf('exposed', { host: '0.0.0.0' })) ?? '',
    /^embedded broker bound to 0\.0\.0\.0: it takes no logins and no TLS, .*; bind it to loopback, or set broker\.embedded\.usersFile and broker\.embedded\.tls$/,
  );
  assert.equal(await warningOf('loopback', {}), undefined);
});

test('logins without TLS, or TLS without logins, beyond loopback: the warning names what is missing', async () => {
  assert.match(
    (await warningOf('logins-only', { host: '0.0.0.0', usersFile: 'users.json' })) ?? '',
    /^embedded broker bound to 0\.0\.0\.0 without TLS: logins and messages cross the network in clear text; set broker\.embedded\.tls$/,
  );
  const tls = { cert: pem('server.crt'), key: pem('server.key') };
  // TLS without logins: encrypted, and open to any client that trusts the certificate.
  const anyoneWithTheCa = async (node: RunningNode): Promise<void> => {
    const url = node.field('embedded broker listening', 'url');
    const client = createTransport(`${url}?ca=${pem('ca.crt')}`, { connectTimeoutMs: 5000 });
    try {
      await client.connect({ timeoutMs: 5000 });
    } finally {
      await client.close();
    }
  };
  assert.match(
    (await warningOf('tls-only', { host: '0.0.0.0', tls }, anyoneWithTheCa)) ?? '',
    /^embedded broker bound to 0\.0\.0\.0 without logins: .*; set broker\.embedded\.usersFile or broker\.embedded\.tls\.clientCa$/,
  );
  // Client certificates authenticate as well as logins do.
  assert.equal(
    await warningOf('mutual-tls', { host: '0.0.0.0', tls: { ...tls, clientCa: pem('ca.crt') } }),
    undefined,
  );
});
