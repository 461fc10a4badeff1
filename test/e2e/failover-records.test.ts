/**
 * Endpoints that survive their node, with records flowing (issue 16): two `aes run` nodes with
 * the same outbound and inbound endpoint, placed by lease on a private etcd, sharing RabbitMQ as
 * the broker and the SOAP source and target systems of this process. While records flow through
 * the owner, its node and its endpoint processes are killed with SIGKILL at once, as when its
 * host loses power: nothing drains, nothing is written on the way out. The standby takes both
 * endpoints over and every record reaches the target exactly once — which holds because the
 * owner kept its outbound journal, put marks and de-duplication record in etcd, fenced by its
 * leases: the new owner resumes at `popped` for records the broker had confirmed, drops copies
 * of messages delivered on the dead node, and asks the target (`alreadyDelivered`) about a put
 * that was in flight there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { openCoordinator } from '../../coordination/index.js';
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
const RECORDS = 400;
const RABBIT = 'stomp://guest:guest@127.0.0.1:61613?queueExpiresMs=600000';
const ENDPOINTS = ['orders-out', 'orders-in'] as const;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Until `ok()`, within `timeoutMs`; resolves with when it held. */
async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<number> {
  await pollUntil(what, ok, timeoutMs);
  return Date.now();
}

const skip =
  privateEtcdSkipReason() ?? (await serviceSkipReason('RabbitMQ STOMP', '127.0.0.1', 61613));

test(
  'kill -9 of the owner host while records flow: the standby takes over and every record reaches the target once',
  { skip },
  async () => {
    const etcd: PrivateEtcd = await startPrivateEtcd();
    const url = `${etcd.url}?namespace=records${randomBytes(3).toString('hex')}`;
    const source = await SourceSystem.start([]);
    const target = await TargetSystem.start();
    const projects: Project[] = [];
    const nodes: RunningNode[] = [];
    const env = {
      E2E_SOURCE_URL: source.url,
      E2E_TARGET_URL: target.url,
      E2E_QUEUE: `/queue/failover-${randomUUID()}`,
      E2E_IN_LOOKUP: '1',
    };
    try {
      for (const name of ['ra', 'rb']) {
        projects.push(
          await makeProject({
            node: name,
            endpoints: { 'orders-out': 'orders-out.ts', 'orders-in': 'orders-in.ts' },
            config: { broker: { urls: [RABBIT] }, coordination: { url, leaseMs: LEASE_MS } },
          }),
        );
      }
      const a = await RunningNode.start('ra', projects[0] as Project, env);
      nodes.push(a);
      for (const e of ENDPOINTS) {
        await until(`${e} running on ra`, () => a.lines.some(runningLine(e)), 60_000);
      }
      const b = await RunningNode.start('rb', projects[1] as Project, env);
      nodes.push(b);
      await until(
        'rb standing by for both',
        () => b.lines.filter((l) => /^standing by: ra holds/.test(l.msg)).length >= 2,
        60_000,
      );

      source.records.push(...makeRecords(RECORDS));
      await until('records flowing through ra', () => target.accepted.length >= 60, 60_000);
      // The owner's host loses power: its node and its endpoint processes die at once.
      const victims = [...a.endpointPids(), a.child.pid as number];
      for (const pid of victims) process.kill(pid, 'SIGKILL');
      const killedAt = Date.now();
      const atKill = target.accepted.length;
      for (const e of ENDPOINTS) {
        const took = await until(
          `${e} running on rb`,
          () => b.lines.some(runningLine(e)),
          LEASE_MS + 30_000,
        );
        console.log(`# ${e}: running on rb ${took - killedAt} ms after the kill`);
      }
      const resumed = await until(
        'records again',
        () => target.accepted.length > atKill,
        LEASE_MS + 30_000,
      );
      console.log(`# records reached the target again ${resumed - killedAt} ms after the kill`);
      await until(
        `all ${RECORDS} records at the target`,
        () => new Set(target.accepted.map((x) => x.messageId)).size >= RECORDS,
        120_000,
      );
      await sleep(1_000); // a duplicate would come behind
      const ids = target.accepted.map((x) => x.messageId);
      assert.equal(new Set(ids).size, RECORDS, 'every record at the target');
      assert.equal(ids.length, RECORDS, `no duplicates (${ids.length - RECORDS})`);
      assert.equal(source.head, RECORDS, 'every record popped');
      console.log(`# records handed out again by the source after the kill: ${source.repops}`);
      for (const pid of victims) assert.ok(!isAlive(pid), `pid ${pid} still runs`);

      // What made it exact lives in the engine, under the endpoints' lease keys.
      await using coordinator = await openCoordinator(url);
      const delivered = new Set(await coordinator.members('endpoint/orders-in'));
      const deliveredOnA = ids.slice(0, atKill).filter((id) => delivered.has(id));
      assert.equal(deliveredOnA.length, atKill, 'the ids delivered on the dead node are in etcd');
      const journal = await coordinator.get('endpoint/orders-out');
      assert.ok(journal !== undefined, 'the outbound journal is in etcd');
      // Cleared lazily: what it still holds was popped already (a successor would pop it again).
      const last = (JSON.parse(journal.value) as { journal: { fifoIds: string[] } | null }).journal;
      assert.ok(
        last === null || last.fifoIds.every((id) => Number(id) <= source.head),
        `the journal holds only popped records: ${journal.value}`,
      );
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
