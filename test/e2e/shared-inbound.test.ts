/**
 * A `shared` inbound endpoint (issue 16, `coordination.shared`): two `aes run` nodes each run an
 * instance of the same inbound endpoint at once, as competing consumers of one RabbitMQ queue,
 * sharing a claims ledger in a private etcd, each instance under a lease of its own. While
 * records flow, one node and its endpoint process are killed with SIGKILL at once; RabbitMQ gives
 * the messages it held to the other instance, which finds them claimed by a lease that has
 * ended, asks the target (`alreadyDelivered`) before putting any again, and every record reaches
 * the target exactly once. The ledger says which instance completed each id: both did.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { isAlive } from '../../util/index.js';
import {
  privateEtcdSkipReason,
  startPrivateEtcd,
  type PrivateEtcd,
} from '../support/private-etcd.js';
import { serviceSkipReason } from '../support/services.js';
import { pollUntil } from '../support/wait.js';
import { SourceSystem, TargetSystem, makeRecords } from '../runtime/support/soap-systems.js';
import { makeProject, runningLine, RunningNode, type Project } from './support/project.js';

const LEASE_MS = 3_000;
const RECORDS = 500;
const RABBIT = 'stomp://guest:guest@127.0.0.1:61613?queueExpiresMs=600000';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Which instance lease completed each id of the ledger `endpoint/orders-in`. */
async function completedBy(etcd: PrivateEtcd, namespace: string): Promise<Map<string, string>> {
  const { Etcd3 } = await import('etcd3');
  const client = new Etcd3({ hosts: `http://127.0.0.1:${etcd.port}` });
  try {
    const prefix = 'ledger/endpoint/orders-in|';
    const entries = await client.namespace(`${namespace}/`).getAll().prefix(prefix).strings();
    const by = new Map<string, string>();
    for (const [key, value] of Object.entries(entries)) {
      const entry = JSON.parse(value) as { k: string; d: boolean };
      if (entry.d) by.set(key.slice(prefix.length), entry.k);
    }
    return by;
  } finally {
    client.close();
  }
}

const skip =
  privateEtcdSkipReason() ?? (await serviceSkipReason('RabbitMQ STOMP', '127.0.0.1', 61613));

test(
  'a shared inbound endpoint runs on two nodes at once; kill -9 of one while records flow: every record at the target once',
  { skip },
  async () => {
    const etcd = await startPrivateEtcd();
    const namespace = `shared${randomBytes(3).toString('hex')}`;
    const url = `${etcd.url}?namespace=${namespace}`;
    const source = await SourceSystem.start([]);
    // A slow target keeps puts in flight on both nodes when one dies.
    const target = await TargetSystem.start({ delayMs: 4 });
    const projects: Project[] = [];
    const nodes: RunningNode[] = [];
    const env = {
      E2E_SOURCE_URL: source.url,
      E2E_TARGET_URL: target.url,
      E2E_QUEUE: `/queue/shared-${randomUUID()}`,
      E2E_IN_LOOKUP: '1',
    };
    const coordination = { url, leaseMs: LEASE_MS, shared: ['orders-in'] };
    try {
      projects.push(
        await makeProject({
          node: 'sa',
          endpoints: { 'orders-out': 'orders-out.ts', 'orders-in': 'orders-in.ts' },
          config: { broker: { urls: [RABBIT] }, coordination },
        }),
        await makeProject({
          node: 'sb',
          endpoints: { 'orders-in': 'orders-in.ts' },
          config: { broker: { urls: [RABBIT] }, coordination },
        }),
      );
      const [a, b] = await Promise.all([
        RunningNode.start('sa', projects[0] as Project, env),
        RunningNode.start('sb', projects[1] as Project, env),
      ]);
      nodes.push(a, b);
      await pollUntil(
        'orders-out on sa and orders-in on both',
        () =>
          a.lines.some(runningLine('orders-out')) &&
          a.lines.some(runningLine('orders-in')) &&
          b.lines.some(runningLine('orders-in')),
        60_000,
      );
      const statusB = b.cli(['status', '--json', '-c', 'aes.config.json']);
      assert.match(statusB.stdout, /"shared": ?true/, statusB.stdout + statusB.stderr);

      source.records.push(...makeRecords(RECORDS));
      await pollUntil('records flowing', () => target.accepted.length >= RECORDS / 4, 60_000);
      const victims = [...b.endpointPids(), b.child.pid as number];
      for (const pid of victims) process.kill(pid, 'SIGKILL');
      const killedAt = Date.now();
      await pollUntil(
        `all ${RECORDS} records at the target`,
        () => new Set(target.accepted.map((x) => x.messageId)).size >= RECORDS,
        LEASE_MS + 120_000,
      );
      console.log(`# every record at the target ${Date.now() - killedAt} ms after the kill`);
      await sleep(1_000); // a duplicate would come behind
      const ids = target.accepted.map((x) => x.messageId);
      assert.equal(new Set(ids).size, RECORDS, 'every record at the target');
      assert.equal(ids.length, RECORDS, `no duplicates (${ids.length - RECORDS})`);
      for (const pid of victims) assert.ok(!isAlive(pid), `pid ${pid} still runs`);

      // An instance records an id in the ledger once the target's answer reaches it: a moment
      // after the target holds the record.
      let by = await completedBy(etcd, namespace);
      await pollUntil(
        'the ledger to hold every delivered id',
        async () => (by = await completedBy(etcd, namespace)).size >= RECORDS,
        10_000,
      );
      const counts = new Map<string, number>();
      for (const k of by.values()) counts.set(k, (counts.get(k) ?? 0) + 1);
      console.log(`# completed per instance: ${JSON.stringify(Object.fromEntries(counts))}`);
      console.log(`# target lookups (Has): ${target.calls.has}`);
      assert.equal(by.size, RECORDS, 'the ledger holds every delivered id');
      assert.ok((counts.get('instance/orders-in/sa') ?? 0) > 0, 'sa delivered');
      assert.ok((counts.get('instance/orders-in/sb') ?? 0) > 0, 'sb delivered before it died');
    } catch (err) {
      for (const n of nodes) console.log(`# ${n.name}:\n${n.tail(60)}`);
      throw err;
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
      for (const pid of nodes.flatMap((n) => n.endpointPids()))
        if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      await Promise.all(projects.map((p) => p[Symbol.asyncDispose]()));
      await source.close();
      await target.close();
      await etcd.close();
    }
  },
);
