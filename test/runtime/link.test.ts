/**
 * The endpoint link over a real Unix socket: an endpoint kernel authenticated by its launch token
 * reports to its node; a wrong token is refused; garbage and strangers are dropped while the node
 * stays up; the node calls the endpoint's `stop`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Kernel } from '../../cluster/index.js';
import { EndpointLink } from '../../runtime/link/endpoint-link.js';
import {
  endpointKernelName,
  endpointOfKernel,
  parseReport,
  type EndpointLaunchConfig,
  type EndpointReport,
} from '../../runtime/link/protocol.js';
import { zeroCounters } from '../../runtime/endpoint/progress.js';
import { DEFAULT_ENDPOINT_SETTINGS } from '../../runtime/config/config.js';
import { installNodeSession } from '../../runtime/link/node-session.js';
import { tempDir, waitFor } from './support/helpers.js';

const NODE_SECRET = 'node-secret-0123456789abcdef';

async function startNode(socket: string, tokens: Record<string, string>) {
  const reports: [string, EndpointReport][] = [];
  const kernel = new Kernel({
    name: 'n1',
    secret: NODE_SECRET,
    resolveSecret: (peer) => {
      const endpoint = endpointOfKernel(peer, 'n1');
      return endpoint === undefined ? undefined : tokens[endpoint];
    },
  });
  installNodeSession(kernel, 'n1', {
    launchConfig: (endpoint): EndpointLaunchConfig | undefined =>
      endpoint === 'orders-out'
        ? {
            endpoint,
            node: 'n1',
            module: '/x/index.ts',
            dataDir: '/x/data',
            brokerUrls: ['stomp://127.0.0.1:1'],
            settings: DEFAULT_ENDPOINT_SETTINGS,
          }
        : undefined,
    report: (endpoint, report) => reports.push([endpoint, report]),
  });
  await kernel.listen(`unix:${socket}`);
  return { kernel, reports };
}

test('reports travel over the Unix socket; the node calls stop; garbage is dropped', async () => {
  await using dir = await tempDir();
  const socket = join(dir.path, 'node.sock');
  const { kernel, reports } = await startNode(socket, { 'orders-out': 'token-orders-out-123' });
  try {
    await assert.rejects(
      EndpointLink.connect({
        address: `unix:${socket}`,
        node: 'n1',
        endpoint: 'orders-out',
        secret: 'a-wrong-token-0000',
      }),
      (err: Error & { code?: string }) => err.code === 'AUTH_FAILED',
    );
    await using link = await EndpointLink.connect({
      address: `unix:${socket}`,
      node: 'n1',
      endpoint: 'orders-out',
      secret: 'token-orders-out-123',
    });
    const config = await link.fetchConfig();
    assert.equal(config.module, '/x/index.ts');
    let stops = 0;
    link.onStop(() => (stops += 1));
    link.report({ kind: 'heartbeat', atMs: 1, counters: zeroCounters(), lastError: null });
    link.report({ kind: 'progress', step: 'pop', sinceMs: 2, ids: null });
    link.log('warn', 'pop failed', { attempt: 2 });
    await waitFor('three reports', () => reports.length === 3);
    assert.deepEqual(
      reports.map(([endpoint, r]) => `${endpoint}:${r.kind}`),
      ['orders-out:heartbeat', 'orders-out:progress', 'orders-out:log'],
    );
    assert.deepEqual(reports[2]?.[1], {
      kind: 'log',
      level: 'warn',
      msg: 'pop failed',
      fields: { attempt: 2 },
    });
    assert.equal(
      await kernel.call(`poe://${endpointKernelName('orders-out', 'n1')}/aes-endpoint/stop`),
      'stopping',
    );
    assert.equal(stops, 1);

    // An endpoint kernel posting garbage: dropped, the link and the node stay up.
    const rogue = new Kernel({ name: 'rogue@n1', secret: NODE_SECRET, mesh: false });
    await rogue.connect(`unix:${socket}`);
    rogue.post('poe://n1/aes-node/report', { kind: 'heartbeat', atMs: 'soon' });
    rogue.post('poe://n1/aes-node/report', 'not an object');
    // A peer that is not an endpoint of n1 may not report at all.
    const stranger = new Kernel({ name: 'stranger', secret: NODE_SECRET, mesh: false });
    await stranger.connect(`unix:${socket}`);
    await assert.rejects(
      stranger.call('poe://n1/aes-node/config', {}),
      (err: Error & { code?: string }) => err.code === 'FORBIDDEN',
    );
    await assert.rejects(rogue.call('poe://n1/aes-node/config', {}), /no endpoint 'rogue'/);
    link.log('info', 'still here');
    await waitFor('the next report', () => reports.length === 4);
    await rogue.shutdown();
    await stranger.shutdown();
  } finally {
    await kernel.shutdown();
  }
});

test('parseReport accepts the report kinds and nothing else', () => {
  assert.equal(
    parseReport({ kind: 'progress', step: 'pop', sinceMs: 1, ids: null })?.kind,
    'progress',
  );
  assert.equal(parseReport({ kind: 'log', level: 'info', msg: 'x', fields: {} })?.kind, 'log');
  assert.equal(parseReport({ kind: 'log', level: 'loud', msg: 'x', fields: {} }), undefined);
  assert.equal(parseReport({ kind: 'heartbeat', atMs: 1 }), undefined);
  assert.equal(parseReport({ kind: 'standby', atMs: 1 })?.kind, 'standby');
  assert.equal(parseReport({ kind: 'standby', atMs: 'now' }), undefined);
  assert.equal(parseReport({ kind: 'standby' }), undefined);
  assert.equal(parseReport({ kind: 'exec', cmd: 'rm' }), undefined);
  assert.equal(parseReport([]), undefined);
  assert.equal(endpointOfKernel('orders-out@n1', 'n1'), 'orders-out');
  assert.equal(endpointOfKernel('@n1', 'n1'), undefined);
  assert.equal(endpointOfKernel('orders-out@n2', 'n1'), undefined);
});
