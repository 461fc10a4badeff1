/**
 * Signals of `aes run`: the first SIGTERM drains (an endpoint whose target never answers keeps
 * its record in flight), the second forces: the endpoint processes are killed and the node exits
 * at once with 130. A node killed with SIGKILL leaves no endpoint process behind. A SIGTERM that
 * arrives while the node is still starting stops it once started, cleanly (exit 0), instead of
 * killing it half-started.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SourceSystem, makeRecords } from '../runtime/support/soap-systems.js';
import { makeProject, RunningNode } from './support/project.js';
import { isAlive as alive } from '../../util/index.js';

async function waitGone(pids: readonly number[], timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (pids.some(alive)) {
    if (Date.now() > until)
      throw new Error(`still alive after ${timeoutMs} ms: ${pids.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A target system that takes every request and never answers. */
async function silentTarget(): Promise<{ server: Server; url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer(() => (requests += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/target`, requests: () => requests };
}

test('a second SIGTERM forces the stop; SIGKILL of the node leaves no endpoint behind', async () => {
  const source = await SourceSystem.start(makeRecords(1));
  const target = await silentTarget();
  await using project = await makeProject({
    node: 'sig',
    endpoints: { 'orders-out': 'orders-out.ts', 'orders-in': 'orders-in.ts' },
    config: { endpoints: { defaults: { callTimeoutMs: 120_000, drainTimeoutMs: 120_000 } } },
  });
  const env = {
    E2E_SOURCE_URL: source.url,
    E2E_TARGET_URL: target.url,
    E2E_QUEUE: `/queue/e2e-${randomUUID()}`,
  };
  try {
    const node = await RunningNode.start('sig', project, env);
    const until = Date.now() + 60_000;
    while (target.requests() === 0 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(target.requests(), 1, 'the put is in flight');
    const pids = node.endpointPids();
    assert.equal(pids.length, 2);
    node.child.kill('SIGTERM');
    await node.waitLine('the drain', (l) => l.msg.startsWith('SIGTERM: draining'));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(node.child.exitCode, null, 'still draining the put in flight');
    const forcedAt = Date.now();
    node.child.kill('SIGTERM');
    assert.equal(await node.exited, 130);
    assert.ok(Date.now() - forcedAt < 10_000);
    await waitGone(pids, 10_000);

    // SIGKILL of a node: its endpoints lose the link, drain and exit by themselves.
    await using idle = await makeProject({
      node: 'sig2',
      endpoints: { 'orders-out': 'orders-out.ts' },
    });
    const again = await RunningNode.start('sig2', idle, env);
    const second = again.endpointPids();
    assert.equal(second.length, 1);
    again.child.kill('SIGKILL');
    await again.exited;
    await waitGone(second, 60_000);
  } finally {
    await source.close();
    target.server.closeAllConnections();
    await new Promise((resolve) => target.server.close(resolve));
  }
});

test('SIGTERM while the node starts: it stops once started, with exit 0 and no endpoint left', async () => {
  const source = await SourceSystem.start(makeRecords(0));
  await using project = await makeProject({
    node: 'sig3',
    endpoints: { 'orders-out': 'orders-out.ts' },
  });
  try {
    const node = RunningNode.spawn('sig3', project, {
      E2E_SOURCE_URL: source.url,
      E2E_QUEUE: `/queue/e2e-${randomUUID()}`,
    });
    // The first log line comes from the node's start, before `node started`.
    const first = await node.waitLine('a first log line', () => true, 60_000);
    assert.ok(!first.msg.startsWith('node started'), `first line: ${first.msg}`);
    node.child.kill('SIGTERM');
    const code = await node.exited;
    assert.equal(node.child.signalCode, null, `killed by the signal, not stopped:\n${node.tail()}`);
    assert.equal(code, 0, node.tail());
    assert.ok(
      node.lines.some((l) => /^SIGTERM( while starting)?: /.test(l.msg)),
      `the stop is logged:\n${node.tail()}`,
    );
    await waitGone(node.endpointPids(), 30_000);
  } finally {
    await source.close();
  }
});
