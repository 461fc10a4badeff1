/**
 * `/readyz` tells the truth about brokers: a node whose external broker stops answers 503 with
 * the reasons (its own probe, and its endpoint's report), `aes status` shows the endpoint's broker
 * reconnecting, `aes_node_broker_up` drops to 0; once the broker is back, all of it recovers
 * without a restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startBroker, type BrokerHandle } from '../../broker/index.js';
import type { ClusterStatus } from '../../runtime/node/index.js';
import { freePort } from '../support/ports.js';
import { makeProject, RunningNode } from './support/project.js';

interface Readiness {
  readonly status: number;
  readonly ready: boolean;
  readonly reasons: readonly string[];
}

async function readiness(http: string): Promise<Readiness> {
  const res = await fetch(`${http}/readyz`);
  const body = (await res.json()) as { ready: boolean; reasons: string[] };
  return { status: res.status, ...body };
}

async function waitReadiness(
  http: string,
  what: string,
  accept: (r: Readiness) => boolean,
): Promise<Readiness> {
  const until = Date.now() + 60_000;
  for (;;) {
    const last = await readiness(http);
    if (accept(last)) return last;
    if (Date.now() > until) throw new Error(`no ${what} within 60 s: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("a node's /readyz, aes status and metrics follow its external broker down and back", async () => {
  const port = await freePort();
  await using project = await makeProject({
    node: 'rd',
    endpoints: { sink: 'sink.ts' },
    config: {
      broker: { urls: [`stomp://127.0.0.1:${port}?reconnectInitialMs=100&reconnectMaxMs=500`] },
    },
  });
  const dataDir = join(project.dir, 'external-broker');
  let broker: BrokerHandle | undefined = await startBroker({ port, host: '127.0.0.1', dataDir });
  try {
    await using node = await RunningNode.start('rd', project);
    const http = node.field('http listening', 'url');
    await waitReadiness(http, 'ready with the broker up', (r) => r.status === 200);

    await broker.close();
    broker = undefined;
    const down = await waitReadiness(
      http,
      'both reasons',
      (r) => r.status === 503 && r.reasons.length === 2,
    );
    assert.equal(down.ready, false);
    assert.match(
      down.reasons[0] ?? '',
      /^broker unreachable since \S+Z: connect to 127\.0\.0\.1:\d+: .*ECONNREFUSED/,
    );
    assert.match(
      down.reasons[1] ?? '',
      new RegExp(
        `^endpoint sink: broker stomp://127\\.0\\.0\\.1:${port}\\S* reconnecting since \\S+Z`,
      ),
    );
    const status = node.cli(['status', '--json']);
    assert.equal(status.status, 0, status.stderr);
    const [rd] = (JSON.parse(status.stdout) as ClusterStatus).nodes;
    assert.ok(rd !== undefined && rd.error === undefined, status.stdout);
    const sink = rd.endpoints[0];
    assert.equal(sink?.state, 'running');
    assert.equal(sink.broker?.state, 'reconnecting');
    assert.match(sink.broker.since, /Z$/);
    assert.match(node.cli(['status']).stdout, /sink +running \(broker reconnecting \d+ m?s\)/);
    assert.match(await (await fetch(`${http}/metrics`)).text(), /^aes_node_broker_up 0$/m);

    broker = await startBroker({ port, host: '127.0.0.1', dataDir });
    await waitReadiness(http, 'ready again', (r) => r.status === 200);
    assert.match(await (await fetch(`${http}/metrics`)).text(), /^aes_node_broker_up 1$/m);
    const [back] = (JSON.parse(node.cli(['status', '--json']).stdout) as ClusterStatus).nodes;
    assert.ok(back !== undefined && back.error === undefined);
    assert.equal(back.endpoints[0]?.broker?.state, 'connected');
    assert.ok(node.lines.some((l) => l.level === 'warn' && l.msg === 'broker unreachable'));
    assert.ok(node.lines.some((l) => l.level === 'info' && l.msg === 'broker reachable again'));
    assert.equal(await node.stop(), 0);
  } finally {
    await broker?.close();
  }
});
