/**
 * Two `aes run` nodes whose cluster links run over mutual TLS (`cluster.tls`) with the shared
 * secret: they join, and `aes status` on either lists both; a missing certificate file is a
 * config error naming its field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeCertificates } from '../support/certs.js';
import { makeProject, runAes, RunningNode, type Project } from './support/project.js';

const SECRET = 'tls-cluster-secret-0123456789';

async function tlsProject(
  node: string,
  files: { cert: Buffer; key: Buffer; ca: Buffer },
  seeds: string[],
): Promise<Project> {
  const project = await makeProject({ node, endpoints: {} });
  for (const [name, pem] of Object.entries(files)) {
    await writeFile(join(project.dir, `${name}.pem`), pem, { mode: 0o600 });
  }
  await writeFile(
    project.configFile,
    JSON.stringify({
      node,
      cluster: {
        port: 0,
        seeds,
        secret: SECRET,
        tls: { cert: 'cert.pem', key: 'key.pem', ca: 'ca.pem' },
      },
      http: { port: 0 },
      broker: { embedded: { port: 0 } },
    }),
  );
  return project;
}

interface StatusJson {
  nodes: { node: string; error?: string }[];
}

test('nodes join over mutual TLS and see each other', async () => {
  const certs = makeCertificates();
  try {
    await using pa = await tlsProject(
      'tls-a',
      { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca },
      [],
    );
    await using a = await RunningNode.start('tls-a', pa);
    const address = a.field('kernel listening', 'cluster');
    assert.match(address, /^tls:\/\/127\.0\.0\.1:\d+$/, 'the cluster listener speaks TLS');
    const port = address.slice(address.lastIndexOf(':') + 1);
    await using pb = await tlsProject(
      'tls-b',
      { cert: certs.clientCert, key: certs.clientKey, ca: certs.ca },
      [`127.0.0.1:${port}`],
    );
    await using b = await RunningNode.start('tls-b', pb);
    let status: StatusJson = { nodes: [] };
    const until = Date.now() + 30_000;
    for (;;) {
      const r = b.cli(['status', '--json']);
      if (r.status === 0) status = JSON.parse(r.stdout) as StatusJson;
      const healthy = status.nodes.filter((n) => n.error === undefined).map((n) => n.node);
      if (healthy.includes('tls-a') && healthy.includes('tls-b')) break;
      if (Date.now() > until) {
        assert.fail(`tls-b never saw both nodes: ${JSON.stringify(status)}\n${b.tail()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const fromA = JSON.parse(a.cli(['status', '--json']).stdout) as StatusJson;
    assert.deepEqual(fromA.nodes.map((n) => n.node).sort(), ['tls-a', 'tls-b']);
  } finally {
    certs.remove();
  }
});

test('a cluster.tls file that cannot be read is a config error naming the field', async () => {
  const certs = makeCertificates();
  try {
    await using p = await tlsProject(
      'tls-c',
      { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca },
      [],
    );
    await writeFile(
      p.configFile,
      JSON.stringify({
        node: 'tls-c',
        cluster: { port: 0, tls: { cert: 'missing.pem', key: 'key.pem' } },
      }),
    );
    const r = runAes(['config', 'check', p.configFile], p.dir);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /\/cluster\/tls\/cert/);
    assert.match(r.stderr, /missing\.pem/);
  } finally {
    certs.remove();
  }
});
