/**
 * A node whose listener's port is taken fails naming the config field to change
 * (`broker.embedded.port`, `cluster.port`, `http.port`), not only the address; nothing is left
 * listening.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { AesNode, createLogger, parseConfig, PortInUseError } from '../../runtime/node/index.js';
import { listenAs } from '../../runtime/node/port-in-use.js';
import { tempDir } from './support/helpers.js';

async function occupy(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

for (const field of ['broker.embedded.port', 'cluster.port', 'http.port'] as const) {
  test(`a taken ${field} fails the start naming ${field}`, async () => {
    await using dir = await tempDir();
    const { server, port } = await occupy();
    try {
      const ports = { broker: 0, cluster: 0, http: 0 };
      ports[field.split('.')[0] as keyof typeof ports] = port;
      const config = parseConfig(
        {
          node: 'a',
          cluster: { port: ports.cluster },
          http: { port: ports.http },
          broker: { embedded: { port: ports.broker } },
        },
        { file: join(dir.path, 'aes.config.json'), baseDir: dir.path },
      );
      await assert.rejects(
        AesNode.start(config, { logger: createLogger({ level: 'error', format: 'json' }) }),
        (err: unknown) => {
          assert.ok(err instanceof PortInUseError, String(err));
          assert.equal(err.code, 'RUNTIME_PORT_IN_USE');
          assert.equal(err.field, field);
          assert.equal(err.port, port);
          assert.equal(
            err.message,
            `${field}: port ${port} on 127.0.0.1 is already in use; set another ${field} in the config, or stop what listens there`,
          );
          return true;
        },
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
}

test('listenAs passes other failures through unchanged', async () => {
  const other = Object.assign(new Error('permission denied'), { code: 'EACCES' });
  await assert.rejects(
    listenAs('http.port', '0.0.0.0', 80, () => Promise.reject(other)),
    (err) => err === other,
  );
  assert.equal(await listenAs('http.port', '127.0.0.1', 1, () => Promise.resolve(7)), 7);
});
