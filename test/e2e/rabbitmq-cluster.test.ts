/**
 * A RabbitMQ cluster losing the node that leads the queue, with records flowing (issue 19): a
 * private three-node cluster on loopback (test/support/private-rabbitmq-cluster.ts), one
 * `aes run` node whose outbound and inbound endpoints are given all three STOMP URLs and a quorum
 * queue (`queueType=quorum`), as docs/transports.md tells a user to configure a cluster. While
 * records go from the source system through the queue to the target system, the node leading the
 * quorum queue is killed with SIGKILL (its Erlang VM, as a power loss would). The checks read
 * only what the source and the target recorded: every record reached the target exactly once,
 * with its payload, and the queue has a new leader. FIFO order is reported, not asserted: across
 * the failover RabbitMQ may hand out a message the dead node had delivered after the next one. The test prints how long records took to flow
 * again, measured on the outside world's clock: from the kill to the target's acceptance of the
 * first record the source handed out after the kill (a record that went the whole way —
 * pop, publish, the broker's receipt, delivery, put — through the surviving nodes).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SourceSystem, TargetSystem, makeRecords } from '../runtime/support/soap-systems.js';
import {
  privateRabbitSkipReason,
  startPrivateRabbitCluster,
} from '../support/private-rabbitmq-cluster.js';
import { pollUntil } from '../support/wait.js';
import { ownStatus } from './support/node-status.js';
import { waitDelivered } from './support/pipeline.js';
import { makeProject, RunningNode } from './support/project.js';

const RECORDS = 200;
/** Records at the target before the kill: the pipeline is warm and busy. */
const BEFORE_KILL = 50;
/** Records flowing again within this of the kill, or the test fails. */
const RECOVERY_DEADLINE_MS = 45_000;

const skip = privateRabbitSkipReason();

test(
  'kill -9 of the RabbitMQ node leading the quorum queue while records flow: every record at the target once',
  { skip: skip ?? false },
  async () => {
    const began = Date.now();
    await using cluster = await startPrivateRabbitCluster({ size: 3 });
    console.log(`# private RabbitMQ cluster of 3 nodes up in ${Date.now() - began} ms`);
    const source = await SourceSystem.start([]);
    const target = await TargetSystem.start();
    const queue = `aes-cluster-${randomUUID().slice(0, 8)}`;
    const env = {
      E2E_SOURCE_URL: source.url,
      E2E_TARGET_URL: target.url,
      E2E_QUEUE: `/queue/${queue}`,
    };
    let nodeLog: (() => readonly string[]) | undefined;
    try {
      await using project = await makeProject({
        node: 'rq',
        endpoints: { 'orders-out': 'orders-out.ts', 'orders-in': 'orders-in.ts' },
        config: { broker: { urls: cluster.stompUrls('queueType=quorum') } },
      });
      await using node = await RunningNode.start('rq', project, env);
      nodeLog = () => node.raw;
      await pollUntil(
        'orders-in subscribed',
        async () =>
          (await ownStatus(node)).endpoints.find((e) => e.name === 'orders-in')?.step === 'waiting',
        90_000,
      ).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${node.tail()}`);
      });
      const declared = await cluster.queue(queue);
      assert.equal(declared?.type, 'quorum', `${queue} is a quorum queue`);
      assert.equal(declared.members.length, 3, `${queue} has a replica on each node`);
      // Asked now, not at the kill: a CLI call takes seconds on a loaded machine.
      const leader = declared.leader;
      assert.ok(leader !== undefined, `${queue} has a leader`);

      const flowFrom = Date.now();
      console.log(`# aes node up and subscribed in ${flowFrom - began} ms`);
      source.records.push(...makeRecords(RECORDS));
      await pollUntil(
        `${BEFORE_KILL} records at the target`,
        () => target.accepted.length >= BEFORE_KILL,
        60_000,
      );
      const killedAt = await cluster.kill(leader);
      const atKill = target.accepted.length;
      console.log(
        `# killed ${leader.name} (pid ${leader.pid}), the leader of ${queue}, with ${atKill} of ${RECORDS} records at the target`,
      );

      // The first record the source handed out after the kill, once the target has it.
      const firstAccepted = () => {
        const firstPop = new Map<string, number>();
        for (const h of source.history) {
          if (h.op === 'pop' && !firstPop.has(h.id)) firstPop.set(h.id, h.at);
        }
        return target.accepted.find(
          (a) => (firstPop.get(a.messageId.replace('orders-out:', '')) ?? 0) > killedAt,
        );
      };
      await pollUntil(
        'records flowing again',
        () => firstAccepted() !== undefined,
        RECOVERY_DEADLINE_MS,
      ).catch((err: unknown) => {
        throw new Error(
          `${(err as Error).message}: target ${target.accepted.length} of ${RECORDS}\n${node.tail()}`,
        );
      });
      const flowing = firstAccepted()?.at ?? Number.NaN;
      const firstAfter = target.accepted.find((a) => a.at > killedAt)?.at ?? Number.NaN;
      console.log(
        `# records flow again ${flowing - killedAt} ms after the kill (first record accepted after the kill: ${firstAfter - killedAt} ms)`,
      );

      await waitDelivered(source, target, RECORDS).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${node.tail()}`);
      });
      const ids = target.accepted.map((a) => a.messageId);
      const times = new Map<string, number>();
      for (const id of ids) times.set(id, (times.get(id) ?? 0) + 1);
      const lost = source.records.map((r) => `orders-out:${r.id}`).filter((id) => !times.has(id));
      const duplicates = [...times].filter(([, n]) => n > 1).map(([id]) => id);
      assert.deepEqual({ lost, duplicates }, { lost: [], duplicates: [] }, 'exactly once');
      const payloads = new Map(source.records.map((r) => [`orders-out:${r.id}`, r.payload]));
      for (const a of target.accepted) assert.deepEqual(a.payload, payloads.get(a.messageId));
      assert.equal(source.remaining, 0, 'the FIFO is empty');
      // Not asserted: across the failover a quorum queue may deliver the message the dead
      // node had handed out after the next one (docs/transports.md#a-rabbitmq-cluster).
      const fifo = (id: string | undefined) => Number(id?.slice(id.indexOf(':') + 1));
      const overtaken = ids.filter((id, i) => i > 0 && fifo(id) < fifo(ids[i - 1]));
      const now = (await cluster.queue(queue))?.leader;
      assert.ok(now !== undefined && now !== leader, `${queue} has a new leader: ${now?.name}`);
      const nodeOf = (url: unknown) =>
        cluster.nodes.find((n) => String(url).includes(`:${n.stompPort}?`))?.name ?? String(url);
      const reconnects = node.lines
        .filter((l) => l.msg === 'broker reconnecting -> connected')
        .map((l) => `${l.endpoint} to ${nodeOf(l.url)}`);
      console.log(
        `# reconnects: ${reconnects.join(', ')}; new leader ${now.name}; out of FIFO order: ${overtaken.length === 0 ? 'none' : overtaken.join(', ')}; ${RECORDS} records in ${Date.now() - flowFrom} ms; ${Date.now() - began} ms in all`,
      );
      await node.stop();
    } catch (err) {
      const folder = fileURLToPath(
        new URL(`../../test-artifacts/rabbitmq-cluster-${began}/`, import.meta.url),
      );
      await mkdir(folder, { recursive: true });
      await writeFile(join(folder, 'aes-node.log'), (nodeLog?.() ?? []).join('\n'));
      await cluster.keepLogs(folder);
      console.log(`# the aes node's and the RabbitMQ nodes' logs are in ${folder}`);
      throw err;
    } finally {
      await source.close();
      await target.close();
    }
  },
);
