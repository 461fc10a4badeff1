/**
 * An endpoint whose node is killed exits by itself, also while it writes: kill -9 of a node
 * whose inbound endpoint is busy consuming (an `aes broker` of its own keeps the queue, so the
 * endpoint goes on putting and recording ids after its node is gone). Before the exit guard,
 * such an endpoint could hang in exit holding its data folder's lock, and no new copy could start.
 * Each round the orphan must be gone in time and the node's next copy of the endpoint must run;
 * in the end every message reached the target.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { tempDir } from '../runtime/support/helpers.js';
import { TargetSystem } from '../runtime/support/soap-systems.js';
import { startBrokerProcess } from '../support/broker-process.js';
import { pollWhileProgressing } from '../support/wait.js';
import { isAlive as alive } from '../../util/index.js';
import { createTransport, type Destination } from '../../transports/index.js';
import { makeProject, RunningNode } from './support/project.js';

const MESSAGES = 600;
const ROUNDS = 3;
const DRAIN_MS = 2_000;
/** The drain, the host's grace after losing its node (10 s), and a loaded machine's slack. */
const ORPHAN_EXIT_MS = 40_000;

function endpointPid(node: RunningNode): number {
  const line = node.lines.findLast(
    (l) => l.msg === 'starting -> running' && typeof l.reason === 'string',
  );
  assert.ok(line !== undefined, 'the endpoint is running');
  return Number(String(line.reason).replace('pid ', ''));
}

async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('kill -9 of a node while its inbound endpoint writes: the orphan exits, the next copy runs', async () => {
  const target = await TargetSystem.start();
  await using brokerDir = await tempDir();
  const broker = await startBrokerProcess(['--port', '0', '--data-dir', brokerDir.path]);
  await using project = await makeProject({
    node: 'orphan',
    endpoints: { 'orders-in': 'orders-in.ts' },
    config: {
      broker: { urls: [broker.url] },
      endpoints: { defaults: { drainTimeoutMs: DRAIN_MS } },
    },
  });
  const queue = `/queue/orphan-${randomUUID()}` as Destination;
  const env = { E2E_TARGET_URL: target.url, E2E_QUEUE: queue };
  let node: RunningNode | undefined;
  const orphans: number[] = [];
  try {
    const producer = createTransport(broker.url);
    try {
      await producer.connect();
      for (let i = 1; i <= MESSAGES; i += 1) {
        await producer.publish(queue, JSON.stringify({ n: i }), { messageId: `orphan:${i}` });
      }
    } finally {
      await producer.close();
    }
    for (let round = 1; round <= ROUNDS; round += 1) {
      node = await RunningNode.start('orphan', project, env);
      const pid = endpointPid(node);
      orphans.push(pid);
      const before = target.accepted.length;
      await waitFor(
        `round ${round}: the endpoint putting`,
        () => target.accepted.length >= before + 20,
        60_000,
      );
      node.child.kill('SIGKILL');
      await node.exited;
      node = undefined;
      await waitFor(
        `round ${round}: the orphaned endpoint (pid ${pid}) to exit`,
        () => !alive(pid),
        ORPHAN_EXIT_MS,
      );
    }
    node = await RunningNode.start('orphan', project, env);
    const distinct = (): number => new Set(target.accepted.map((a) => a.messageId)).size;
    await pollWhileProgressing(
      `${MESSAGES} messages delivered`,
      () => distinct(),
      (n) => n === MESSAGES,
      { stallMs: 60_000, describe: (n) => `the target holds ${n} of ${MESSAGES} ids` },
    );
    assert.equal(distinct(), MESSAGES);
  } finally {
    if (node !== undefined) {
      node.child.kill('SIGTERM');
      await node.exited;
    }
    // A failed round leaves its orphan hanging: it must not outlive the test.
    for (const pid of orphans.filter(alive)) process.kill(pid, 'SIGKILL');
    broker.child.kill('SIGTERM');
    await target.close();
  }
});
