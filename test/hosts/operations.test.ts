/**
 * Operating a cluster of three hosts (issue 15, "Operations"), set up as docs/deployment.md says:
 * the embedded broker on one node (`broker.embedded.host` 0.0.0.0 with a users file), the other
 * nodes' endpoints using it by URL, every node seeded with every host.
 * - A rolling restart of every node, one at a time (SIGTERM, then `aes run` again), while records
 *   flow from a FIFO source on one host through the broker on another to a target on the third:
 *   every record reaches the target exactly once, and records flow again after each restart.
 * - SIGHUP on one host adds and removes an endpoint; `aes status` on another host sees it.
 * The source and the target run on the hosts of their endpoints and report what they saw
 * (test/hosts/fixtures/systems-main.ts); the verdict is the chaos run's, over that history.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  HostBed,
  HostSource,
  HostTarget,
  hostsSkipReason,
  isWhole,
  waitStatus as waitStatusOn,
  type Host,
  type NodeProcess,
  type Status,
  writeBrokerNodeConfig,
  writeEndpoint,
  writeNodeConfig,
} from '../support/hosts/index.js';
import { checkHistory } from '../support/chaos/checks.js';

const unavailable = hostsSkipReason();
const when = unavailable !== undefined ? { skip: unavailable } : {};

const SECRET = 'hosts-operations-secret-0123456789';
const BROKER_LOGIN = 'app';
const BROKER_PASSCODE = 'hosts-operations-broker-passcode';
/** Records a second at the source: slow enough that records flow through every restart. */
const FEED_PER_SECOND = 20;

/** Every node listed, none unreachable, every endpoint `running`. */
function whole(names: readonly string[]): (s: Status) => boolean {
  return (s) =>
    isWhole(names)(s) &&
    s.json.nodes.every((n) => (n.endpoints ?? []).every((e) => e.state === 'running'));
}

/** Until `aes status` on `host` satisfies `done` (loading endpoints from source takes long). */
async function waitStatus(what: string, host: Host, done: (s: Status) => boolean): Promise<void> {
  await waitStatusOn(what, [host], done, 90_000);
}

const ENDPOINT_DEFAULTS = {
  // Loading an endpoint from source on a loaded machine can take long.
  startLimitMs: 120_000,
  restartBackoff: { initialMs: 100, maxMs: 1_000 },
  drainTimeoutMs: 5_000,
};

/**
 * node-a (h1) runs the outbound endpoint, node-b (h2) the inbound one, node-c (h3) the embedded
 * broker they share; every node has every host as a seed.
 */
async function configure(bed: HostBed): Promise<void> {
  const [h1, h2, h3] = bed.hosts as [Host, Host, Host];
  const seeds = bed.hosts.map((h) => h.name);
  const endpoints = { defaults: ENDPOINT_DEFAULTS };
  const brokerUrl = await writeBrokerNodeConfig(h3, {
    node: 'node-c',
    seeds,
    secret: SECRET,
    login: BROKER_LOGIN,
    passcode: BROKER_PASSCODE,
    extra: { endpoints },
  });
  for (const [host, node] of [
    [h1, 'node-a'],
    [h2, 'node-b'],
  ] as const) {
    await writeNodeConfig(host, {
      node,
      seeds,
      secret: SECRET,
      extra: { endpoints, broker: { urls: [brokerUrl] } },
    });
  }
  await writeEndpoint(h1, 'orders-out', 'orders-out.ts');
  await writeEndpoint(h2, 'orders-in', 'orders-in.ts');
}

describe('operating a cluster of three hosts (issue 15)', () => {
  test(
    'a rolling restart of every node while records flow: every record at the target exactly once',
    when,
    async (t) => {
      await using bed = await HostBed.create({ hosts: 3 });
      const [h1, h2, h3] = bed.hosts as [Host, Host, Host];
      await configure(bed);
      await using source = await HostSource.start(h1, FEED_PER_SECOND);
      await using target = await HostTarget.start(h2);
      const queue = `/queue/rolling-${randomUUID()}`;
      const env = new Map<Host, NodeJS.ProcessEnv>([
        [h1, { E2E_SOURCE_URL: source.url, E2E_QUEUE: queue }],
        [h2, { E2E_TARGET_URL: target.url, E2E_QUEUE: queue }],
        [h3, {}],
      ]);
      const start = (host: Host): Promise<NodeProcess> =>
        host.startNode({ env: env.get(host) ?? {} });
      const startedAt = Date.now();
      const running = new Map<Host, NodeProcess>();
      running.set(h3, await start(h3));
      const [a, b] = await Promise.all([start(h1), start(h2)]);
      running.set(h1, a);
      running.set(h2, b);
      const names = ['node-a', 'node-b', 'node-c'];
      await waitStatus('the cluster whole, both endpoints running', h1, whole(names));
      await target.until('records flowing', () => target.delivered() >= 20, 120_000);

      // One node at a time, the broker's first: stop, start again, wait for the cluster to be
      // whole and for records to reach the target again.
      for (const host of [h3, h1, h2]) {
        const node = running.get(host) as NodeProcess;
        const stoppedAt = Date.now();
        const exit = await node.stop();
        assert.deepEqual([exit.code, exit.signal], [0, null], `${host.name}:\n${node.tail()}`);
        assert.ok(
          node.lines.some((l) => l.msg.startsWith('SIGTERM: draining')),
          `${host.name} drained:\n${node.tail()}`,
        );
        const again = await start(host);
        running.set(host, again);
        await waitStatus(`the cluster whole after restarting ${host.name}`, h1, whole(names));
        // New records reach the target after the restart (the backlog, then the steady flow).
        const before = target.delivered();
        await target.until(
          `records flowing after restarting ${host.name}`,
          () => target.delivered() >= before + 20,
          120_000,
        );
        t.diagnostic(
          `${host.name}: stopped and running again, records flowing, in ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s`,
        );
      }

      const records = await source.stopFeeding();
      await target.until(
        `all ${records} records at the target`,
        () => target.delivered() >= records,
        180_000,
      );
      // Room for a late duplicate to show up.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const verdict = checkHistory({
        records,
        source: source.history,
        target: target.accepted,
        messageIdOf: (id) => `orders-out:${id}`,
        startedAt,
        endedAt: Date.now(),
        stallLimitMs: 120_000,
      });
      t.diagnostic(
        `${records} records in ${verdict.seconds.toFixed(1)} s through three restarts: ${verdict.delivered} delivered, ${verdict.lost.length} lost, ${verdict.duplicateCount} duplicates`,
      );
      assert.deepEqual(verdict.lost, [], 'lost');
      assert.deepEqual(verdict.duplicates, [], 'duplicated');
      assert.deepEqual(verdict.phantoms, [], 'never handed out');
      assert.equal(verdict.unpopped, 0, 'left in the FIFO');
      assert.equal(verdict.delivered, records);
      for (const node of running.values()) await node.stop();
    },
  );

  test(
    'SIGHUP on one host adds and removes an endpoint; another host sees it in aes status',
    when,
    async () => {
      await using bed = await HostBed.create({ hosts: 3 });
      const [h1, h2, h3] = bed.hosts as [Host, Host, Host];
      await configure(bed);
      // No business systems here: the endpoints are sinks of their own queues.
      await h2.remove('endpoints/orders-in');
      await h1.remove('endpoints/orders-out');
      await writeEndpoint(h2, 'sink-one', 'sink.ts');
      const c = await h3.startNode();
      const [a, b] = await Promise.all([h1.startNode(), h2.startNode()]);
      const endpointsOf = (json: Status['json'], node: string): string[] =>
        (json.nodes.find((n) => n.node === node)?.endpoints ?? [])
          .filter((e) => e.state === 'running')
          .map((e) => e.name)
          .sort();
      await waitStatus(
        'h1 seeing sink-one run on node-b',
        h1,
        (s) => s.code === 0 && endpointsOf(s.json, 'node-b').join() === 'sink-one',
      );

      await writeEndpoint(h2, 'sink-two', 'sink.ts');
      assert.ok(b.signal('SIGHUP'));
      await b.waitLine(
        'the reload',
        (l) => l.msg === 'config reloaded: started sink-two; 1 unchanged',
      );
      await waitStatus(
        'h1 seeing sink-one and sink-two run on node-b',
        h1,
        (s) => s.code === 0 && endpointsOf(s.json, 'node-b').join() === 'sink-one,sink-two',
      );

      await h2.remove('endpoints/sink-one');
      assert.ok(b.signal('SIGHUP'));
      await b.waitLine(
        'the reload',
        (l) => l.msg === 'config reloaded: stopped sink-one; 1 unchanged',
      );
      await waitStatus(
        'h3 seeing only sink-two on node-b',
        h3,
        (s) =>
          s.code === 0 &&
          (s.json.nodes.find((n) => n.node === 'node-b')?.endpoints ?? [])
            .map((e) => e.name)
            .join() === 'sink-two',
      );
      assert.ok(b.running && a.running && c.running, 'no node exited');
    },
  );
});
